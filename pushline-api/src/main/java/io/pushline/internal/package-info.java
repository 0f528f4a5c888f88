/**
 * Helpers shared by Pushline modules. Not part of the public API: may change without notice.
 */
package io.pushline.internal;
