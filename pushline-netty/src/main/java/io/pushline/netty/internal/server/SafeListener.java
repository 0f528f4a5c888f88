package io.pushline.netty.internal.server;

import io.pushline.Authentication;
import io.pushline.Client;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.Message;
import io.pushline.PushListener;
import io.pushline.SlowConsumerPolicy;
import io.pushline.SourceState;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the host's {@link PushListener}, catching and logging whatever it throws. */
final class SafeListener implements PushListener {
    private static final Logger LOG = LoggerFactory.getLogger(SafeListener.class);
    private final PushListener delegate;

    SafeListener(PushListener delegate) {
        this.delegate = delegate;
    }

    /** Whether {@code listener} does nothing with events (lets hot paths skip per-message calls). */
    static boolean isSilent(PushListener listener) {
        return listener == PushListener.NONE
                || listener instanceof SafeListener safe && safe.delegate == PushListener.NONE;
    }

    @Override
    public void clientAuthenticated(Client client, Authentication authentication) {
        try {
            delegate.clientAuthenticated(client, authentication);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.clientAuthenticated failed for client {}", client.id(), e);
        }
    }

    @Override
    public void clientConnected(Client client) {
        try {
            delegate.clientConnected(client);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.clientConnected failed for client {}", client.id(), e);
        }
    }

    @Override
    public void clientDisconnected(Client client, CloseReason reason) {
        try {
            delegate.clientDisconnected(client, reason);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.clientDisconnected failed for client {}", client.id(), e);
        }
    }

    @Override
    public void connectionRefused(SocketAddress remoteAddress) {
        try {
            delegate.connectionRefused(remoteAddress);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.connectionRefused failed for {}", remoteAddress, e);
        }
    }

    @Override
    public void slowConsumer(Client client, SlowConsumerPolicy policy) {
        try {
            delegate.slowConsumer(client, policy);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.slowConsumer failed for client {}", client.id(), e);
        }
    }

    @Override
    public void messageDropped(Message message, DropReason reason) {
        try {
            delegate.messageDropped(message, reason);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.messageDropped failed for {}", message, e);
        }
    }

    @Override
    public void sourceResubscribed() {
        try {
            delegate.sourceResubscribed();
        } catch (RuntimeException e) {
            LOG.warn("PushListener.sourceResubscribed failed", e);
        }
    }

    @Override
    public void sourceStateChanged(SourceState state) {
        try {
            delegate.sourceStateChanged(state);
        } catch (RuntimeException e) {
            LOG.warn("PushListener.sourceStateChanged failed for {}", state, e);
        }
    }
}
