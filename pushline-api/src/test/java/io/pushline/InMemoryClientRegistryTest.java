package io.pushline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemoryClientRegistryTest {
    private record FakeClient(String id, int partition) implements Client {
        @Override
        public SocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean send(byte[] payload) {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private final ClientRegistry<FakeClient> registry = ClientRegistry.inMemory(2, FakeClient::partition);

    @Test
    void reportsFirstAndLastSubscribersOfATopic() {
        FakeClient a = new FakeClient("a", 0);
        FakeClient b = new FakeClient("b", 1);
        registry.add(a);
        registry.add(b);
        assertThat(registry.subscribe(a, "t")).isTrue();
        assertThat(registry.subscribe(a, "t")).isFalse();
        assertThat(registry.subscribe(b, "t")).isFalse();
        assertThat(registry.subscribers("t", 0)).containsExactly(a);
        assertThat(registry.subscribers("t", 1)).containsExactly(b);
        assertThat(registry.subscribers("t")).containsExactlyInAnyOrder(a, b);
        assertThat(registry.unsubscribe(a, "t")).isFalse();
        assertThat(registry.unsubscribe(b, "t")).isTrue();
        assertThat(registry.topics()).isEmpty();
        assertThat(registry.subscribers("t", 0)).isEmpty();
    }

    @Test
    void removingAClientEndsItsSubscriptionsAndReportsTheLastOnes() {
        FakeClient a = new FakeClient("a", 0);
        FakeClient b = new FakeClient("b", 0);
        registry.add(a);
        registry.add(b);
        registry.subscribe(a, "shared");
        registry.subscribe(b, "shared");
        registry.subscribe(a, "own");
        registry.psubscribe(a, "p.*");
        ClientRegistry.Removal removal = registry.remove(a);
        assertThat(removal.topics()).containsExactly("own");
        assertThat(removal.patterns()).containsExactly("p.*");
        assertThat(registry.remove(a)).isEqualTo(ClientRegistry.Removal.NONE);
        assertThat(registry.subscribe(a, "late")).as("unregistered clients cannot subscribe").isFalse();
        assertThat(registry.topics()).containsExactly("shared");
        assertThat(registry.client("a")).isEmpty();
        assertThat(registry.client("b")).contains(b);
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void snapshotsAreImmutableAndStable() {
        FakeClient a = new FakeClient("a", 0);
        registry.add(a);
        registry.subscribe(a, "t");
        List<FakeClient> before = registry.subscribers("t", 0);
        FakeClient b = new FakeClient("b", 0);
        registry.add(b);
        registry.subscribe(b, "t");
        assertThat(before).containsExactly(a);
        assertThat(registry.subscribers("t", 0)).containsExactly(a, b);
    }

    /** Random churn checked against a simple model: the registry's first/last answers match reference counts. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20261125})
    void randomChurnMatchesAReferenceModel(long seed) {
        Random random = new Random(seed);
        List<FakeClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(new FakeClient("c" + i, i % 2));
            registry.add(clients.get(i));
        }
        Map<String, Set<String>> model = new HashMap<>();
        Set<String> brokerTopics = new HashSet<>();
        for (int op = 0; op < 5_000; op++) {
            FakeClient c = clients.get(random.nextInt(clients.size()));
            String topic = "t" + random.nextInt(8);
            if (random.nextInt(10) == 0) {
                ClientRegistry.Removal removal = registry.remove(c);
                brokerTopics.removeAll(removal.topics());
                for (Set<String> subs : model.values()) {
                    subs.remove(c.id());
                }
                registry.add(c);
            } else if (random.nextBoolean()) {
                if (registry.subscribe(c, topic)) {
                    assertThat(brokerTopics.add(topic)).isTrue();
                }
                model.computeIfAbsent(topic, k -> new HashSet<>()).add(c.id());
            } else {
                if (registry.unsubscribe(c, topic)) {
                    assertThat(brokerTopics.remove(topic)).isTrue();
                }
                model.computeIfAbsent(topic, k -> new HashSet<>()).remove(c.id());
            }
            model.values().removeIf(Set::isEmpty);
            assertThat(brokerTopics).isEqualTo(model.keySet());
        }
        assertThat(registry.topics()).isEqualTo(model.keySet());
        for (Map.Entry<String, Set<String>> e : model.entrySet()) {
            assertThat(registry.subscribers(e.getKey())).extracting(FakeClient::id)
                    .containsExactlyInAnyOrderElementsOf(e.getValue());
        }
    }
}
