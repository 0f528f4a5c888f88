package io.pushline.netty.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.Framing;
import io.pushline.Message;
import io.pushline.Protocol;
import io.pushline.PushlineException;
import io.pushline.netty.internal.Frames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's frame decoder and protocol handler on an {@link EmbeddedChannel}. */
class ClientHandlerTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<Message> received = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel channel(Framing framing, Protocol protocol) {
        return channel(framing, protocol, ClientConnection.MAX_IN_FLIGHT, received::add);
    }

    private EmbeddedChannel channel(Framing framing, Protocol protocol, int maxInFlight, Consumer<Message> listener) {
        EmbeddedChannel ch = new EmbeddedChannel(Frames.decoder(framing),
                new ClientHandler("test", framing, protocol, maxInFlight,
                        ClientConnection.MAX_RESUMES_IN_FLIGHT, listener));
        channels.add(ch);
        return ch;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static ByteBuf lengthPrefixed(byte[]... frames) {
        ByteBuf buf = Unpooled.buffer();
        for (byte[] frame : frames) {
            buf.writeInt(frame.length).writeBytes(frame);
        }
        return buf;
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String readOutbound(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        assertThat(out).as("an outbound frame").isNotNull();
        try {
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }

    private static CompletableFuture<String> write(EmbeddedChannel ch, ClientCommand command) {
        ch.writeAndFlush(command); // not writeOutbound, which would rethrow a refused write's cause
        return command.future();
    }

    private static String payload(Message m) {
        return new String(m.payload(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void repliesMatchCommandsInOrderWithPushesBetweenThem() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        ClientCommand sub = ClientCommand.ok("SUB", latin1("news"));
        CompletableFuture<String> subscribed = write(ch, sub);
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING", latin1("hi there")));
        ClientCommand pub = ClientCommand.ok("PUB", latin1("news"), latin1("a b"));
        CompletableFuture<String> published = write(ch, pub);
        assertThat(readOutbound(ch)).isEqualTo("SUB news\r\n");
        assertThat(readOutbound(ch)).isEqualTo("PING hi there\r\n");
        assertThat(readOutbound(ch)).isEqualTo("PUB news a b\r\n");

        ch.writeInbound(bytes("+OK\r\nMSG news - hello  world \r\nPONG hi there\nMSG news 1-0 x\r\n"));
        assertThat(subscribed).isCompletedWithValue("");
        assertThat(pong).isCompletedWithValue("hi there");
        assertThat(published).isNotDone();
        ch.writeInbound(bytes("-ERR forbidden\r\n"));

        assertThat(published).isCompletedExceptionally();
        assertThatThrownBy(published::join).hasCauseExactlyInstanceOf(PushlineException.class)
                .cause().hasMessage("forbidden");
        assertThat(pub.refused()).isTrue();
        assertThat(sub.refused()).isFalse();
        assertThat(received).extracting(Message::topic).containsExactly("news", "news");
        assertThat(received.get(0).id()).isNull();
        assertThat(payload(received.get(0))).isEqualTo("hello  world ");
        assertThat(received.get(1).id()).isEqualTo("1-0");
        assertThat(payload(received.get(1))).isEqualTo("x");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void lengthPrefixedCarriesBinaryPayloadsBothWays() {
        EmbeddedChannel ch = channel(Framing.lengthPrefixed(), Protocol.COMMANDS);
        byte[] binary = {0, '\r', '\n', ' ', (byte) 0xff, 'M'};
        CompletableFuture<String> published = write(ch, ClientCommand.ok("PUB", latin1("t"), binary));
        ByteBuf out = ch.readOutbound();
        try {
            assertThat(out.readInt()).isEqualTo(4 + 1 + 1 + binary.length);
            byte[] rest = new byte[out.readableBytes()];
            out.readBytes(rest);
            byte[] expected = new byte[rest.length];
            System.arraycopy(latin1("PUB t "), 0, expected, 0, 6);
            System.arraycopy(binary, 0, expected, 6, binary.length);
            assertThat(rest).isEqualTo(expected);
        } finally {
            out.release();
        }

        byte[] push = new byte[11 + binary.length];
        System.arraycopy(latin1("MSG a.b - "), 0, push, 0, 10);
        push[10] = ' '; // the payload starts with a space
        System.arraycopy(binary, 0, push, 11, binary.length);
        ch.writeInbound(lengthPrefixed(push, latin1("+OK"), latin1("MSG t 7 ")));

        assertThat(published).isCompletedWithValue("");
        assertThat(received).hasSize(2);
        byte[] expectedPayload = new byte[binary.length + 1];
        expectedPayload[0] = ' ';
        System.arraycopy(binary, 0, expectedPayload, 1, binary.length);
        assertThat(received.get(0).topic()).isEqualTo("a.b");
        assertThat(received.get(0).payload()).isEqualTo(expectedPayload);
        assertThat(received.get(1).id()).isEqualTo("7");
        assertThat(received.get(1).payloadLength()).isZero();
    }

    @Test
    void pushesWithoutPayloadOrWithAnOffsetReaderIndexParse() {
        Message noPayload = parse(bytes("MSG t -"));
        assertThat(noPayload.topic()).isEqualTo("t");
        assertThat(noPayload.id()).isNull();
        assertThat(noPayload.payloadLength()).isZero();

        ByteBuf offset = bytes("xxMSG topic id-1 some payload");
        offset.skipBytes(2);
        assertThat(Pushes.isPush(offset)).isTrue();
        Message m = parse(offset);
        assertThat(m.topic()).isEqualTo("topic");
        assertThat(m.id()).isEqualTo("id-1");
        assertThat(payload(m)).isEqualTo("some payload");
        assertThat(m.position()).as("an id that is no position").isNull();

        Message positioned = parse(bytes("MSG news 42.Xk3v9QaZ hello"));
        assertThat(positioned.position()).isEqualTo(io.pushline.Position.of(42, "Xk3v9QaZ"));
        assertThat(positioned.id()).isEqualTo("42.Xk3v9QaZ");
        assertThat(payload(positioned)).isEqualTo("hello");

        ByteBuf notPush = bytes("MSGX");
        try {
            assertThat(Pushes.isPush(notPush)).isFalse();
        } finally {
            notPush.release();
        }
        ByteBuf malformed = bytes("MSG topic");
        try {
            assertThatThrownBy(() -> Pushes.parsePush(malformed)).isInstanceOf(PushlineException.class)
                    .hasMessageContaining("malformed push");
        } finally {
            malformed.release();
        }
    }

    private static Message parse(ByteBuf frame) {
        try {
            return Pushes.parsePush(frame);
        } finally {
            frame.release();
        }
    }

    @Test
    void aMalformedPushIsSkippedAndDoesNotConsumeAReply() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING"));
        readOutbound(ch);
        ch.writeInbound(bytes("MSG lonely\r\nMSG bad\ttopic - x\r\nPONG\r\n"));
        assertThat(pong).isCompletedWithValue("");
        assertThat(received).isEmpty();
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void anUnsolicitedErrorIsLoggedAndTheNextReplyStillMatches() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        ch.writeInbound(bytes("-ERR slow consumer\r\n+OK\r\n\r\n"));
        assertThat(ch.isActive()).isTrue();
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING", latin1("x")));
        readOutbound(ch);
        ch.writeInbound(bytes("PONG x\r\n"));
        assertThat(pong).isCompletedWithValue("x");
    }

    @Test
    void anUnexpectedReplyFailsTheCommand() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        CompletableFuture<String> sub = write(ch, ClientCommand.ok("SUB", latin1("t")));
        readOutbound(ch);
        ch.writeInbound(bytes("PONG\r\n"));
        assertThatThrownBy(sub::join).cause().isInstanceOf(PushlineException.class)
                .hasMessage("unexpected reply to SUB: PONG");
    }

    @Test
    void losingTheConnectionFailsEveryPendingCommand() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        CompletableFuture<String> first = write(ch, ClientCommand.ok("SUB", latin1("a")));
        CompletableFuture<String> second = write(ch, ClientCommand.pong("PING"));
        ch.close();
        for (CompletableFuture<String> f : List.of(first, second)) {
            assertThatThrownBy(f::join).cause().isInstanceOf(PushlineException.class).hasMessage("connection lost");
        }
    }

    @Test
    void commandsBeyondTheInFlightWindowWaitForReplies() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS, 2, received::add);
        ClientHandler handler = ch.pipeline().get(ClientHandler.class);
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (String topic : List.of("a", "b", "c", "d")) {
            replies.add(write(ch, ClientCommand.ok("SUB", latin1(topic))));
        }
        assertThat(handler.pending()).isEqualTo(4);
        assertThat(readOutbound(ch)).isEqualTo("SUB a\r\n");
        assertThat(readOutbound(ch)).isEqualTo("SUB b\r\n");
        assertThat(ch.outboundMessages()).isEmpty();

        ch.writeInbound(bytes("+OK\r\n"));
        assertThat(replies.get(0)).isCompleted();
        assertThat(readOutbound(ch)).isEqualTo("SUB c\r\n");
        assertThat(ch.outboundMessages()).isEmpty();

        ch.writeInbound(bytes("+OK\r\n+OK\r\n+OK\r\n"));
        assertThat(readOutbound(ch)).isEqualTo("SUB d\r\n");
        assertThat(replies).allSatisfy(f -> assertThat(f).isCompletedWithValue(""));
        assertThat(handler.pending()).isZero();
    }

    @Test
    void commandsWaitingForRoomFailWhenTheConnectionIsLost() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS, 1, received::add);
        CompletableFuture<String> sent = write(ch, ClientCommand.ok("SUB", latin1("a")));
        CompletableFuture<String> waiting = write(ch, ClientCommand.ok("SUB", latin1("b")));
        readOutbound(ch);
        ch.close();
        assertThat(sent).isCompletedExceptionally();
        assertThatThrownBy(waiting::join).cause().hasMessage("connection lost");
    }

    @Test
    void theServersNoticeBeforeItClosesAnswersNoCommandAndIsTheCauseOfTheirFailure() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        ClientCommand resume = ClientCommand.sub(latin1("t"), latin1("FROM"), latin1("5.e"));
        CompletableFuture<String> resumed = write(ch, resume);
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING"));
        readOutbound(ch);
        readOutbound(ch);

        ch.writeInbound(bytes("-ERR disconnected: cut by the test\r\n"));
        assertThat(resumed).isNotDone(); // not its reply: the SUB still waits
        assertThat(pong).isNotDone();
        ch.close();

        for (CompletableFuture<String> f : List.of(resumed, pong)) {
            assertThatThrownBy(f::join).cause().isExactlyInstanceOf(PushlineException.class)
                    .hasMessage("connection lost").cause().hasMessage("-ERR disconnected: cut by the test");
        }
        assertThat(resume.refused()).isFalse();
    }

    @Test
    void everyNoticeOfTheProtocolIsRecognisedAndRepliesAreNot() {
        for (String notice : List.of("frame too long", "bad frame", "frame timeout", "too many pending commands",
                "idle timeout", "too many connections", "rate limit exceeded", "unauthorized: expired",
                "disconnected: maintenance", "server shutting down")) {
            assertThat(ClientHandler.isCloseNotice("-ERR " + notice)).as(notice).isTrue();
        }
        for (String reply : List.of("-ERR unauthorized", "-ERR forbidden", "-ERR unavailable: history read failed",
                "-ERR too many resumes in progress (at most 16): wait for their replies", "+OK", "PONG idle timeout")) {
            assertThat(ClientHandler.isCloseNotice(reply)).as(reply).isFalse();
        }
    }

    @Test
    void atMostSixteenResumesAreInFlightAndLaterCommandsKeepTheirOrder() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS);
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (int i = 0; i < ClientConnection.MAX_RESUMES_IN_FLIGHT + 2; i++) {
            replies.add(write(ch, ClientCommand.sub(latin1("t" + i), latin1("FROM"), latin1("1.e"))));
        }
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING"));
        for (int i = 0; i < ClientConnection.MAX_RESUMES_IN_FLIGHT; i++) {
            assertThat(readOutbound(ch)).isEqualTo("SUB t" + i + " FROM 1.e\r\n");
        }
        assertThat(ch.outboundMessages()).as("the 17th resume, and the PING behind it, wait").isEmpty();

        ch.writeInbound(bytes("+OK 1.e RECOVERED 0\r\n"));
        assertThat(replies.get(0)).isCompletedWithValue("1.e RECOVERED 0");
        assertThat(readOutbound(ch)).isEqualTo("SUB t16 FROM 1.e\r\n");
        assertThat(ch.outboundMessages()).isEmpty();
        ch.writeInbound(bytes("+OK 1.e RECOVERED 0\r\n"));
        assertThat(readOutbound(ch)).isEqualTo("SUB t17 FROM 1.e\r\n");
        assertThat(readOutbound(ch)).isEqualTo("PING\r\n");
        assertThat(pong).isNotDone();
    }

    @Test
    void aThrowingListenerDoesNotStopDelivery() {
        List<String> seen = new ArrayList<>();
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.COMMANDS, 4, m -> {
            seen.add(payload(m));
            throw new IllegalStateException("listener bug");
        });
        ch.writeInbound(bytes("MSG t - one\r\nMSG t - two\r\n"));
        assertThat(seen).containsExactly("one", "two");
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aFrameLongerThanTheLimitClosesTheConnection() {
        EmbeddedChannel ch = channel(Framing.lines(8), Protocol.COMMANDS);
        CompletableFuture<String> pong = write(ch, ClientCommand.pong("PING"));
        readOutbound(ch);
        ch.writeInbound(bytes("MSG t - 0123456789\r\n"));
        assertThat(ch.isActive()).isFalse();
        assertThatThrownBy(pong::join).cause().hasMessage("connection lost");
        assertThat(received).isEmpty();
    }

    @Test
    void rawFramesAreMessagesOnTheRawTopicAndCommandsAreRefused() {
        EmbeddedChannel ch = channel(Framing.lines(), Protocol.RAW);
        ch.writeInbound(bytes("MSG t - not a push\r\n+OK\r\n\r\n"));
        assertThat(received).extracting(Message::topic).containsOnly(PushClient.RAW_TOPIC);
        assertThat(received).extracting(ClientHandlerTest::payload)
                .containsExactly("MSG t - not a push", "+OK", "");

        CompletableFuture<String> refused = write(ch, ClientCommand.ok("SUB", latin1("t")));
        assertThatThrownBy(refused::join).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("SUB is not available on a raw connection");

        ch.writeOutbound(Frames.frame(ByteBufAllocator.DEFAULT, Framing.lines(), latin1("hello")));
        assertThat(readOutbound(ch)).isEqualTo("hello\r\n");
    }

    @Test
    void commandFramesFollowTheFraming() {
        ByteBuf line = Frames.command(ByteBufAllocator.DEFAULT, Framing.lines(), "PSUB", latin1("a.*"));
        ByteBuf prefixed = Frames.command(ByteBufAllocator.DEFAULT, Framing.lengthPrefixed(), "PING");
        try {
            assertThat(line.toString(StandardCharsets.ISO_8859_1)).isEqualTo("PSUB a.*\r\n");
            assertThat(prefixed.readInt()).isEqualTo(4);
            assertThat(prefixed.toString(StandardCharsets.ISO_8859_1)).isEqualTo("PING");
        } finally {
            line.release();
            prefixed.release();
        }
        assertThat(Frames.commandLength("PUB", latin1("t"), latin1("xy"))).isEqualTo(8);
    }
}
