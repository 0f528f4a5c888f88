package io.pushline.spring.boot;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.env.Environment;

/**
 * The part of Boot's own Redis connection settings, {@code spring.data.redis.*}, that a Pushline Redis source can
 * honour, bound with Boot's binder (relaxed names, environment variables, profiles) but without Spring Data Redis
 * on the class path. Settings the source cannot honour (Sentinel, Cluster, SSL bundles) fail the start with a
 * message saying so, rather than being ignored.
 *
 * @param url {@code redis://} or {@code rediss://} URL; overrides host, port, username, password and database
 * @param host the server's host
 * @param port the server's port
 * @param username the ACL user name
 * @param password the password
 * @param database the database index
 * @param timeout the command timeout; bounds the source's connect unless {@code connectTimeout} is set
 * @param connectTimeout the connect timeout
 * @param clientName the {@code CLIENT SETNAME} name
 * @param ssl SSL settings
 * @param sentinel Sentinel settings (not supported)
 * @param cluster Cluster settings (not supported)
 */
record SpringDataRedis(String url, @DefaultValue("localhost") String host, @DefaultValue("6379") int port,
        String username, String password, @DefaultValue("0") int database, Duration timeout, Duration connectTimeout,
        String clientName, @DefaultValue Ssl ssl, @DefaultValue Sentinel sentinel, @DefaultValue Cluster cluster) {

    /** The prefix Boot's Redis support reads. */
    static final String PREFIX = "spring.data.redis";

    /**
     * {@code spring.data.redis.ssl.*}.
     *
     * @param enabled whether to connect with TLS
     * @param bundle an SSL bundle's name (not supported)
     */
    record Ssl(@DefaultValue("false") boolean enabled, String bundle) {
    }

    /**
     * {@code spring.data.redis.sentinel.*}, only to refuse it.
     *
     * @param master the master's name
     */
    record Sentinel(String master) {
    }

    /**
     * {@code spring.data.redis.cluster.*}, only to refuse it.
     *
     * @param nodes the seed nodes
     */
    record Cluster(List<String> nodes) {
    }

    /** Binds the settings from the environment; Boot's defaults (localhost:6379) when none is set. */
    static SpringDataRedis bind(Environment environment) {
        return Binder.get(environment).bindOrCreate(PREFIX, Bindable.of(SpringDataRedis.class));
    }

    /**
     * The URI the Redis source connects to.
     *
     * @throws PushlinePropertyException for settings the source cannot honour, naming the property
     */
    RedisURI toRedisUri() {
        if (sentinel.master() != null) {
            throw unsupported("spring.data.redis.sentinel.master");
        }
        if (cluster.nodes() != null && !cluster.nodes().isEmpty()) {
            throw unsupported("spring.data.redis.cluster.nodes");
        }
        if (ssl.bundle() != null) {
            throw unsupported("spring.data.redis.ssl.bundle");
        }
        RedisURI uri;
        if (url != null) {
            if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
                // the URL may hold a password: name the property, not the value
                throw new PushlinePropertyException("spring.data.redis.url: expected redis://[user:password@]host"
                        + "[:port][/database] or rediss://...");
            }
            try {
                uri = RedisURI.create(url);
            } catch (IllegalArgumentException e) {
                throw new PushlinePropertyException("spring.data.redis.url cannot be parsed: " + e.getMessage(), e);
            }
        } else {
            RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port).withDatabase(database);
            if (password != null) {
                if (username != null) {
                    b.withAuthentication(username, password.toCharArray());
                } else {
                    b.withPassword(password.toCharArray());
                }
            }
            uri = b.build();
        }
        if (ssl.enabled()) {
            uri.setSsl(true);
        }
        Duration bound = connectTimeout != null ? connectTimeout : timeout;
        if (bound != null) {
            uri.setTimeout(bound);
        }
        if (clientName != null) {
            uri.setClientName(clientName);
        }
        return uri;
    }

    private static PushlinePropertyException unsupported(String property) {
        return new PushlinePropertyException(property + " is set, but Pushline's Redis source connects to one "
                + "standalone Redis server (spring.data.redis.url, or host and port) with TLS from "
                + "spring.data.redis.ssl.enabled: declare a MessageSource bean of your own instead");
    }

    /** Does not show the password. */
    @Override
    public String toString() {
        return "SpringDataRedis[" + (url != null ? "url" : host + ":" + port) + "]";
    }
}
