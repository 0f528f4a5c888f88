package io.pushline.netty.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a loop counts as mostly behind: at least half its clients, and at least {@link LoopLoad#MIN_BEHIND}. */
class LoopLoadTest {
    private static LoopLoad load(int clients, int behind) {
        LoopLoad load = new LoopLoad("event loop 0");
        for (int i = 0; i < clients; i++) {
            load.opened();
        }
        for (int i = 0; i < behind; i++) {
            load.fellBehind();
        }
        return load;
    }

    @Test
    void halfTheClientsAndAtLeastFourAreMostOfThem() {
        assertThat(load(8, 4).mostlyBehind()).isTrue();
        assertThat(load(4, 4).mostlyBehind()).isTrue();
        assertThat(load(1000, 500).mostlyBehind()).isTrue();
        assertThat(load(9, 4).mostlyBehind()).isFalse();
        assertThat(load(1000, 499).mostlyBehind()).isFalse();
    }

    @Test
    void fewerThanFourBehindAreSlowConsumersOnTheirOwn() {
        assertThat(load(1, 1).mostlyBehind()).isFalse();
        assertThat(load(3, 3).mostlyBehind()).isFalse();
    }

    @Test
    void clientsThatCatchUpOrCloseAreNoLongerCounted() {
        LoopLoad load = load(6, 4);
        assertThat(load.mostlyBehind()).isTrue();
        load.caughtUp();
        assertThat(load.behind()).isEqualTo(3);
        assertThat(load.mostlyBehind()).isFalse();
        load.fellBehind();
        load.closed(true);
        load.closed(false);
        assertThat(load.clients()).isEqualTo(4);
        assertThat(load.behind()).isEqualTo(3);
        assertThat(load.mostlyBehind()).isFalse();
    }
}
