package io.pushline.tck;

import io.pushline.HistoryOptions;
import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;

/** The in-memory source with history passes the whole contract, history group included. */
class InMemoryHistoryContractTest extends MessageSourceHistoryContract {
    @Override
    protected MessageSource newSource() {
        return InMemoryMessageSource.withHistory(
                HistoryOptions.builder().size(historySize()).topics(t -> t.startsWith("tck.h.")).build());
    }

    @Override
    protected int historySize() {
        return 50;
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        ((InMemoryMessageSource) source()).publish(topic, payload).join();
    }

    @Override
    protected void publishWithPosition(String topic, byte[] payload) {
        ((InMemoryMessageSource) source()).publish(topic, payload).join();
    }

    @Override
    protected void loseHistory(String topic) {
        ((InMemoryMessageSource) source()).forgetHistory(topic);
    }
}
