package io.pushline.netty.internal.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in total and per remote address, and refuses those over the limits. An IPv6 peer
 * counts by its /64 network (one host usually holds a whole /64), an IPv4 peer by its address. Thread-safe;
 * {@link #tryAcquire} and {@link #release} are called once each per accepted connection.
 */
final class ConnectionLimits {
    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<Object, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionLimits(int maxConnections, int maxPerAddress) {
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts a new connection; returns false (and counts nothing) when it is over a limit. */
    boolean tryAcquire(SocketAddress remote) {
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            return false;
        }
        Object address = addressKey(remote);
        if (address == null || maxPerAddress == Integer.MAX_VALUE) {
            return true;
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (a, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            admitted[0] = c.get() < maxPerAddress;
            if (admitted[0]) {
                c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
        });
        if (!admitted[0]) {
            total.decrementAndGet();
        }
        return admitted[0];
    }

    /** Forgets a connection that {@link #tryAcquire} admitted. */
    void release(SocketAddress remote) {
        total.decrementAndGet();
        Object address = addressKey(remote);
        if (address == null || maxPerAddress == Integer.MAX_VALUE) {
            return;
        }
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() == 0 ? null : count);
    }

    int open() {
        return total.get();
    }

    /** What a peer is counted by: its IPv4 address, or the /64 network of its IPv6 address. */
    static Object addressKey(SocketAddress remote) {
        InetAddress address = remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress() : null;
        if (address instanceof Inet6Address) {
            return new Ipv6Network(ByteBuffer.wrap(address.getAddress()).getLong());
        }
        return address;
    }

    /** The first 64 bits of an IPv6 address. */
    private record Ipv6Network(long prefix) {
    }
}
