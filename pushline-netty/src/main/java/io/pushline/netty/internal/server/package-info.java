/**
 * The push server's machinery behind {@link io.pushline.netty.PushServer}: per-connection pipelines and protocol
 * handlers, the client registry's transport side, the per-event-loop fan-out, flow control, limits and metrics. Not
 * API: it may change without notice.
 */
package io.pushline.netty.internal.server;
