package io.pushline.netty.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.pushline.CloseReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses TLS renegotiation initiated by the client, whatever the TLS implementation (OpenSSL refuses it, the JDK
 * accepts it by default, and each one costs the server a full handshake of CPU). Sits before the {@link SslHandler}
 * and reads only the plaintext TLS record headers (content type, version, length): once the server's handshake is
 * done on TLS 1.2 or older, a record of content type handshake (22) from the client starts a renegotiation, and the
 * connection is closed ({@link CloseReason#TLS_HANDSHAKE}). TLS 1.3 has no renegotiation; its post-handshake
 * messages travel as application data. Passes every byte on untouched. One instance per channel.
 */
final class TlsRenegotiationGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TlsRenegotiationGuard.class);
    private static final int HEADER = 5;
    private static final int HANDSHAKE = 22;

    private final NettyClient client;
    /** Set once the server's handshake succeeded on a protocol that could renegotiate. */
    private boolean guarding;
    /** Bytes of the current record's body still to skip. */
    private int skip;
    /** The header being read, when it is split across reads. */
    private final byte[] header = new byte[HEADER];
    private int headerBytes;

    TlsRenegotiationGuard(NettyClient client, SslHandler tls) {
        this.client = client;
        // completed on the channel's event loop, before the records that follow the handshake are read
        tls.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                guarding = !"TLSv1.3".equals(tls.engine().getSession().getProtocol());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf && ctx.channel().isActive() && renegotiates((ByteBuf) msg)) {
            ReferenceCountUtil.release(msg);
            LOG.debug("{}: refused a TLS renegotiation, closing", client);
            client.closeReason(CloseReason.TLS_HANDSHAKE);
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Walks the record headers in {@code in} (without consuming it); true at a handshake record after the handshake. */
    private boolean renegotiates(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (skip > 0) {
                int n = Math.min(skip, end - i);
                skip -= n;
                i += n;
                continue;
            }
            header[headerBytes++] = in.getByte(i++);
            if (headerBytes < HEADER) {
                continue;
            }
            headerBytes = 0;
            if (guarding && (header[0] & 0xff) == HANDSHAKE) {
                return true;
            }
            skip = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        }
        return false;
    }
}
