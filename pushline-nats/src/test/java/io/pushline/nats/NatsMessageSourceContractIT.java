package io.pushline.nats;

import io.pushline.MessageSource;
import io.pushline.tck.MessageSourceOutageContract;
import io.pushline.test.NatsServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the {@link MessageSource} contract, outages included, against a private {@code nats-server}. */
class NatsMessageSourceContractIT extends MessageSourceOutageContract {
    @RegisterExtension
    static final NatsServerExtension nats = new NatsServerExtension();

    private static NatsTestClient outside;

    @AfterAll
    static void closeOutside() {
        if (outside != null) {
            outside.close();
        }
    }

    @Override
    protected MessageSource newSource() {
        nats.start(); // a test that failed mid-outage left it stopped
        if (outside == null) {
            outside = new NatsTestClient(nats.url());
        }
        return NatsMessageSource.create(nats.url());
    }

    @Override
    protected void publishExternally(String topic, byte[] payload) {
        outside.publish(topic, payload);
    }

    @Override
    protected void stopBroker() {
        nats.stop();
    }

    @Override
    protected void startBroker() {
        nats.start();
    }
}
