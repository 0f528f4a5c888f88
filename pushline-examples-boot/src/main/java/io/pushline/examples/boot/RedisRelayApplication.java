package io.pushline.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Relays Redis Pub/Sub to TCP clients. There is no Pushline code here: the starter builds the push server from
 * {@code application.properties} ({@code pushline.*}), picks Redis because {@code spring.data.redis.*} is set,
 * starts the server with the application, reports it under {@code /actuator/health} and its meters under
 * {@code /actuator/metrics}, and drains it on shutdown (SIGTERM or Ctrl-C).
 *
 * <pre>{@code
 * java -jar pushline-examples-boot/target/pushline-examples-boot.jar --spring.data.redis.port=6379
 * nc localhost 5567                              # a raw client, subscribed to 'updates'
 * redis-cli publish updates hello                # 'hello' arrives on nc
 * curl localhost:8080/actuator/health/pushline   # {"status":"UP","details":{"connections":1,"source":"UP"}}
 * }</pre>
 */
@SpringBootApplication
public class RedisRelayApplication {
    /** Created by Spring. */
    public RedisRelayApplication() {
    }

    /**
     * Runs the application until it is stopped.
     *
     * @param args Spring Boot arguments, for example {@code --pushline.port=6000}
     */
    public static void main(String[] args) {
        SpringApplication.run(RedisRelayApplication.class, args);
    }
}
