/**
 * A Java client for a Pushline server: {@link io.pushline.netty.client.PushClient#builder()} connects over TCP
 * (and TLS), subscribes, receives pushes, and reconnects and subscribes again by itself with the
 * {@link io.pushline.netty.client.ReconnectPolicy}. It shares only the wire code
 * ({@code io.pushline.netty.internal}) with the server.
 */
package io.pushline.netty.client;
