package io.pushline.bench;

import io.netty.buffer.ByteBuf;

/** Reads the publisher's stamp from a payload {@code P<seq> <stamp> ...} in place (see {@link Publisher#stamp}). */
final class PayloadStamp {
    private PayloadStamp() {
    }

    /** The {@code System.nanoTime()} stamp of the payload that starts at {@code start} (its {@code P}). */
    static long stamp(ByteBuf in, int start) {
        int i = start + 1;
        while (in.getByte(i++) != ' ') {
            // the sequence number
        }
        boolean negative = in.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long stamp = 0;
        byte c;
        while ((c = in.getByte(i++)) != ' ') {
            stamp = stamp * 10 + (c - '0');
        }
        return negative ? -stamp : stamp;
    }
}
