/**
 * A Spring Boot application that relays Redis Pub/Sub to TCP clients, configured by nothing but
 * {@code application.properties}: {@link io.pushline.examples.boot.RedisRelayApplication}.
 */
package io.pushline.examples.boot;
