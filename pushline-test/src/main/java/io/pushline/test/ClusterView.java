package io.pushline.test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One line of {@code CLUSTER NODES}, as {@link RedisClusterExtension} reads it: a node, its flags, the master it
 * replicates ({@code -} for none) and the slot ranges it owns, lowest first. Immutable.
 */
record ClusterView(String id, int port, Set<String> flags, String masterId, List<int[]> slots) {
    boolean isMaster() {
        return flags.contains("master");
    }

    boolean owns(int slot) {
        return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
    }

    /** Whether the node is marked failing, or not fully known, by the node whose view this is. */
    boolean isSuspect() {
        return flags.contains("fail") || flags.contains("fail?") || flags.contains("handshake")
                || flags.contains("noaddr");
    }

    /** Reads a {@code CLUSTER NODES} reply; slots being imported or migrated ({@code [...]}) are left out. */
    static List<ClusterView> parse(String clusterNodes) {
        List<ClusterView> views = new ArrayList<>();
        for (String line : clusterNodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            String address = f[1].split("@")[0];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue;
                }
                String[] range = f[i].split("-");
                int first = Integer.parseInt(range[0]);
                slots.add(new int[] {first, range.length == 2 ? Integer.parseInt(range[1]) : first});
            }
            slots.sort(Comparator.comparingInt(r -> r[0]));
            views.add(new ClusterView(f[0], port, new HashSet<>(List.of(f[2].split(","))), f[3], slots));
        }
        return views;
    }
}
