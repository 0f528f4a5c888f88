package io.pushline.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The I/O transport: native epoll when it is available (Linux), NIO otherwise. The one place that chooses, for the
 * server, the client and the Redis subscriber.
 */
public enum Transport {
    /** Linux epoll, from {@code netty-transport-native-epoll}. */
    EPOLL,
    /** The JDK's NIO, everywhere. */
    NIO;

    /**
     * Chooses a transport.
     *
     * @param preferNative whether epoll should be used when it is available
     * @return epoll when preferred and available, NIO otherwise
     */
    public static Transport choose(boolean preferNative) {
        return preferNative && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /**
     * Tells which transport an event loop runs (for channels on a group the host passed in).
     *
     * @param loop the loop
     * @return its transport
     */
    public static Transport of(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isIoType(EpollIoHandler.class) ? EPOLL : NIO;
    }

    /**
     * Returns the factory of this transport's I/O handlers.
     *
     * @return the factory
     */
    public IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * Makes an event loop group of daemon threads.
     *
     * @param threads how many
     * @param threadName the threads' name prefix
     * @return the group; the caller shuts it down
     */
    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), ioHandlerFactory());
    }

    /**
     * Returns the listening socket channel class.
     *
     * @return the class
     */
    public Class<? extends ServerChannel> serverChannelClass() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Returns the connecting socket channel class.
     *
     * @return the class
     */
    public Class<? extends Channel> socketChannelClass() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
