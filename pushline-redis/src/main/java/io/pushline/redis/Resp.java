package io.pushline.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writing RESP commands and reading names, for the subscriber connections. Stateless. */
final class Resp {
    private Resp() {
    }

    /** One command as a RESP array of bulk strings: {@code verb}, then {@code args}, UTF-8. */
    static ByteBuf command(ByteBufAllocator alloc, String verb, List<String> args) {
        int size = 16 + ByteBufUtil.utf8MaxBytes(verb) + 16;
        for (String a : args) {
            size += ByteBufUtil.utf8MaxBytes(a) + 16;
        }
        ByteBuf buf = alloc.buffer(size);
        buf.writeByte('*').writeCharSequence(Integer.toString(args.size() + 1), StandardCharsets.US_ASCII);
        buf.writeShort(0x0d0a);
        bulk(buf, verb);
        for (String a : args) {
            bulk(buf, a);
        }
        return buf;
    }

    private static void bulk(ByteBuf buf, String s) {
        buf.writeByte('$').writeCharSequence(Integer.toString(ByteBufUtil.utf8Bytes(s)), StandardCharsets.US_ASCII);
        buf.writeShort(0x0d0a);
        ByteBufUtil.writeUtf8(buf, s);
        buf.writeShort(0x0d0a);
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8 (never replacement characters). */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
