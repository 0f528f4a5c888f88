package io.pushline.tck;

import io.pushline.InMemoryMessageSource;
import io.pushline.MessageSource;

/** The in-memory source passes the {@link MessageSourceContract}: topics, patterns, publishing. */
class InMemoryMessageSourceContractTest extends MessageSourceContract {
    @Override
    protected MessageSource newSource() {
        return InMemoryMessageSource.create();
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        ((InMemoryMessageSource) source()).publish(topic, payload).join();
    }
}
