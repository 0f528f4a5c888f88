/**
 * The contract test (TCK) every {@link io.pushline.MessageSource} should pass: extend
 * {@link io.pushline.tck.MessageSourceContract}, or {@link io.pushline.tck.MessageSourceOutageContract} when the
 * test can stop and start the broker. It depends on {@code pushline-api}, JUnit and AssertJ only.
 */
package io.pushline.tck;
