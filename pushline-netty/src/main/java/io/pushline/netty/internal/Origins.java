package io.pushline.netty.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Web origins ({@code scheme://host[:port]}) as the WebSocket origin check compares them. Stateless. */
public final class Origins {
    private Origins() {
    }

    /**
     * Normalizes an origin: lower case, without the scheme's default port.
     *
     * @param scheme the scheme
     * @param host the host
     * @param port the port, or -1 for the scheme's default
     * @return {@code scheme://host[:port]}
     */
    public static String normalize(String scheme, String host, int port) {
        String s = scheme.toLowerCase(Locale.ROOT);
        int defaultPort = s.equals("https") || s.equals("wss") ? 443 : 80;
        return s + "://" + host.toLowerCase(Locale.ROOT) + (port < 0 || port == defaultPort ? "" : ":" + port);
    }

    /**
     * Parses and normalizes an {@code Origin} header.
     *
     * @param header the header's value
     * @return the origin, or null when the header is not an origin ({@code null} included)
     */
    public static String parse(String header) {
        try {
            URI uri = new URI(header.trim());
            if (uri.getScheme() == null || uri.getHost() == null
                    || (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null) {
                return null;
            }
            return normalize(uri.getScheme(), uri.getHost(), uri.getPort());
        } catch (URISyntaxException e) {
            return null; // the header "null" (opaque origins) and garbage: no origin to allow
        }
    }

    /**
     * The origin of a page served by this endpoint, from the request's {@code Host} header.
     *
     * @param secure whether the endpoint has TLS
     * @param host the {@code Host} header
     * @return the origin, or null when the header is missing or malformed
     */
    public static String ofHost(boolean secure, String host) {
        return host == null ? null : parse((secure ? "https://" : "http://") + host);
    }
}
