package io.pushline;

/**
 * What a connection's frames mean (see {@code PROTOCOL.md}); chosen per server.
 */
public enum Protocol {
    /**
     * The push-only protocol: on connect a client is subscribed to the server's default topics; each message is
     * pushed as one frame holding just the payload bytes; frames the client sends go to the server's
     * {@link ClientFrameHandler}.
     */
    RAW,

    /**
     * The control protocol: one command per frame ({@code SUB}, {@code UNSUB}, {@code PSUB}, {@code PUNSUB},
     * {@code PUB}, {@code PING}, {@code AUTH}, {@code QUIT}), exactly one reply per command in order, and pushes
     * as {@code MSG <topic> <id> <payload>}. A client receives only what it subscribed to.
     */
    COMMANDS
}
