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
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O transport: native epoll (Linux) or kqueue (macOS) when its native library is on the class path, NIO
 * otherwise. The one place that chooses, for the server, the client and the Redis subscriber. The native jars are
 * optional dependencies, one per platform ({@code netty-transport-native-epoll} with classifier
 * {@code linux-x86_64} or {@code linux-aarch_64}, {@code netty-transport-native-kqueue} with {@code osx-x86_64} or
 * {@code osx-aarch_64}); without one, NIO is used and that is logged once.
 */
public enum Transport {
    /** Linux epoll, from {@code netty-transport-native-epoll}. */
    EPOLL,
    /** BSD and macOS kqueue, from {@code netty-transport-native-kqueue}. */
    KQUEUE,
    /** The JDK's NIO, everywhere. */
    NIO;

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    /**
     * Chooses a transport.
     *
     * @param preferNative whether a native transport should be used when it is available
     * @return epoll or kqueue when preferred and available, NIO otherwise
     */
    public static Transport choose(boolean preferNative) {
        if (!preferNative) {
            return NIO;
        }
        if (Epoll.isAvailable()) {
            return EPOLL;
        }
        if (KQueue.isAvailable()) {
            return KQUEUE;
        }
        if (TOLD.compareAndSet(false, true)) {
            LOG.info("no native transport for this platform on the class path ({}): using NIO; add "
                    + "netty-transport-native-epoll (Linux) or netty-transport-native-kqueue (macOS) with the "
                    + "classifier of your platform for less CPU per connection", Epoll.unavailabilityCause());
        }
        return NIO;
    }

    /**
     * Tells which transport an event loop runs (for channels on a group the host passed in).
     *
     * @param loop the loop
     * @return its transport
     */
    public static Transport of(EventLoop loop) {
        if (loop instanceof IoEventLoop io) {
            if (io.isIoType(EpollIoHandler.class)) {
                return EPOLL;
            }
            if (io.isIoType(KQueueIoHandler.class)) {
                return KQUEUE;
            }
        }
        return NIO;
    }

    /**
     * Returns the factory of this transport's I/O handlers.
     *
     * @return the factory
     */
    public IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case KQUEUE -> KQueueIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
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
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case KQUEUE -> KQueueServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    /**
     * Returns the connecting socket channel class.
     *
     * @return the class
     */
    public Class<? extends Channel> socketChannelClass() {
        return switch (this) {
            case EPOLL -> EpollSocketChannel.class;
            case KQUEUE -> KQueueSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }
}
