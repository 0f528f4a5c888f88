/**
 * Wire code shared by the server ({@code io.pushline.netty}), the client ({@code io.pushline.netty.client}) and the
 * Redis subscriber: frame encoding and decoding, the choice of transport, and TLS setup. Not API: it may change
 * without notice.
 */
package io.pushline.netty.internal;
