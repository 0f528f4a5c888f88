/**
 * The {@code pushline} command line: {@code java -jar pushline.jar server|client ...}.
 */
package io.pushline.examples.cli;
