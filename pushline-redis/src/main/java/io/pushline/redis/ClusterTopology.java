package io.pushline.redis;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Which master owns each slot of a Redis Cluster: a snapshot of the view a Lettuce {@link RedisClusterClient} holds
 * ({@code CLUSTER NODES} of every known node, the majority view; refreshed on request). Immutable, thread-safe.
 */
final class ClusterTopology {
    /** A master that owns slots: where it is, and whether the cluster flags it as failing. */
    record Master(String id, String host, int port, boolean failing) {
        String address() {
            return host + ":" + port;
        }
    }

    private final Master[] owners;
    private final String description;
    private final int shards;
    private final Set<String> addresses = new HashSet<>();

    private ClusterTopology(Master[] owners, String description, int shards) {
        this.owners = owners;
        this.description = description;
        this.shards = shards;
        for (Master m : owners) {
            if (m != null) {
                addresses.add(m.address());
            }
        }
    }

    /** Reads the view the client holds now. */
    static ClusterTopology of(Partitions partitions) {
        Master[] owners = new Master[RedisKeys.SLOTS];
        Map<String, StringBuilder> shards = new LinkedHashMap<>();
        List<RedisClusterNode> nodes = new ArrayList<>(partitions.getPartitions());
        nodes.sort((a, b) -> Integer.compare(first(a), first(b)));
        for (RedisClusterNode n : nodes) {
            if (!n.is(RedisClusterNode.NodeFlag.UPSTREAM) || n.hasNoSlots() || n.getUri() == null) {
                continue;
            }
            Master m = new Master(n.getNodeId(), n.getUri().getHost(), n.getUri().getPort(),
                    n.is(RedisClusterNode.NodeFlag.FAIL) || n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL));
            n.forEachSlot(slot -> owners[slot] = m);
            StringBuilder d = new StringBuilder(m.address()).append(" (slots ").append(ranges(n.getSlots()));
            if (m.failing()) {
                d.append(", failing");
            }
            List<String> replicas = new ArrayList<>();
            for (RedisClusterNode r : nodes) {
                if (n.getNodeId().equals(r.getSlaveOf()) && r.getUri() != null) {
                    replicas.add(r.getUri().getHost() + ":" + r.getUri().getPort());
                }
            }
            d.append(replicas.isEmpty() ? ", no replica" : ", replicas " + String.join(" ", replicas)).append(')');
            shards.put(m.id(), d);
        }
        return new ClusterTopology(owners, String.join("; ", shards.values()), shards.size());
    }

    /**
     * Refreshes the client's view (asking every node it knows) and returns it.
     *
     * @return a future completed on a Lettuce thread, failed when no node answered
     */
    static CompletableFuture<ClusterTopology> refresh(RedisClusterClient client) {
        return client.refreshPartitionsAsync().toCompletableFuture().thenApply(v -> of(client.getPartitions()));
    }

    /** The master that owns a slot, or null when none does (the slot is uncovered). */
    Master owner(int slot) {
        return owners[slot];
    }

    /** Whether a master at this address ({@code host:port}) owns slots. */
    boolean isOwner(String address) {
        return addresses.contains(address);
    }

    /** How many masters own slots. */
    int shards() {
        return shards;
    }

    /** Whether both have the same masters (addresses, failing or not), whichever slots they own. */
    boolean sameMasters(ClusterTopology other) {
        return addresses.equals(other.addresses) && failing().equals(other.failing());
    }

    private Set<String> failing() {
        Set<String> failing = new HashSet<>();
        for (Master m : owners) {
            if (m != null && m.failing()) {
                failing.add(m.address());
            }
        }
        return failing;
    }

    /** Whether both give every slot the same master at the same address, failing or not. */
    boolean sameAs(ClusterTopology other) {
        for (int s = 0; s < owners.length; s++) {
            if (!Objects.equals(owners[s], other.owners[s])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Names the shards, for logs.
     *
     * @return for example {@code 127.0.0.1:30001 (slots 0-5460, replicas 127.0.0.1:30004); ...}
     */
    @Override
    public String toString() {
        return shards + (shards == 1 ? " shard: " : " shards: ") + description;
    }

    private static int first(RedisClusterNode n) {
        return n.hasNoSlots() ? Integer.MAX_VALUE : n.getSlots().get(0);
    }

    private static String ranges(List<Integer> slots) {
        List<Integer> sorted = new ArrayList<>(slots);
        sorted.sort(null);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < sorted.size(); ) {
            int start = sorted.get(i);
            int end = start;
            while (i + 1 < sorted.size() && sorted.get(i + 1) == end + 1) {
                end = sorted.get(++i);
            }
            i++;
            out.append(out.length() == 0 ? "" : ",").append(start == end ? Integer.toString(start) : start + "-" + end);
        }
        return out.toString();
    }
}
