package io.pushline.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.pushline.CloseReason;
import io.pushline.DropReason;
import io.pushline.PushMetrics;
import io.pushline.ResumeOutcome;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Binds a Pushline server's metrics to a {@link MeterRegistry}:
 *
 * <pre>{@code
 * PushlineMetrics.of(server::metrics).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code pushline.connections}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code pushline.connections.opened}, {@code pushline.connections.refused}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code pushline.connections.closed}</td><td>counter</td><td>{@code reason}</td></tr>
 *   <tr><td>{@code pushline.topics}, {@code pushline.patterns}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code pushline.messages.received}, {@code pushline.messages.delivered}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code pushline.messages.dropped}</td><td>counter</td><td>{@code reason}</td></tr>
 *   <tr><td>{@code pushline.bytes.delivered}, {@code pushline.bytes.received}</td><td>counter (bytes)</td><td></td></tr>
 *   <tr><td>{@code pushline.frames.received}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code pushline.slow.consumers}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code pushline.source.up}</td><td>gauge (1 up, 0 down)</td><td></td></tr>
 *   <tr><td>{@code pushline.source.down}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code pushline.source.downtime}</td><td>counter (seconds)</td><td></td></tr>
 *   <tr><td>{@code pushline.history.reads}</td><td>counter</td><td>{@code shared} ({@code false}: sent to the
 *       broker, {@code true}: joined an identical read in flight)</td></tr>
 *   <tr><td>{@code pushline.resumes}</td><td>counter</td><td>{@code outcome} ({@code recovered},
 *       {@code lost_epoch}, {@code lost_trimmed}, {@code lost_too_far}, {@code lost_overflow})</td></tr>
 *   <tr><td>{@code pushline.history.replayed}, {@code pushline.history.repaired}</td><td>counter (messages)</td>
 *       <td></td></tr>
 *   <tr><td>{@code pushline.history.gaps}</td><td>counter (gaps repaired)</td><td></td></tr>
 *   <tr><td>{@code pushline.history.lost}</td><td>counter ({@code $lost} notices)</td><td></td></tr>
 *   <tr><td>{@code pushline.websocket.connections}</td><td>gauge (the WebSocket share of
 *       {@code pushline.connections})</td><td></td></tr>
 *   <tr><td>{@code pushline.websocket.opened}, {@code pushline.websocket.handshakes.refused}</td><td>counter</td>
 *       <td></td></tr>
 *   <tr><td>{@code pushline.websocket.messages.delivered}</td><td>counter (the WebSocket share of
 *       {@code pushline.messages.delivered})</td><td></td></tr>
 *   <tr><td>{@code pushline.websocket.bytes.delivered}</td><td>counter (bytes)</td><td></td></tr>
 * </table>
 *
 * <p>Each meter reads a fresh snapshot when the registry polls it. The registry keeps the binder (and so the
 * supplier) reachable for as long as the meters are registered. Thread-safe.
 */
public final class PushlineMetrics implements MeterBinder {
    private final Supplier<PushMetrics> metrics;
    private final Iterable<Tag> tags;

    private PushlineMetrics(Supplier<PushMetrics> metrics, Iterable<Tag> tags) {
        this.metrics = metrics;
        this.tags = tags;
    }

    /**
     * Creates a binder.
     *
     * @param metrics supplies snapshots, typically {@code server::metrics}
     * @return the binder
     */
    public static PushlineMetrics of(Supplier<PushMetrics> metrics) {
        return of(metrics, Tags.empty());
    }

    /**
     * Creates a binder whose meters all carry extra tags (for example the server's name when a JVM runs several).
     *
     * @param metrics supplies snapshots, typically {@code server::metrics}
     * @param tags added to every meter
     * @return the binder
     */
    public static PushlineMetrics of(Supplier<PushMetrics> metrics, Iterable<Tag> tags) {
        return new PushlineMetrics(Objects.requireNonNull(metrics, "metrics"), Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // registered with a strong reference: it keeps this binder, the state of every other meter, reachable
        Gauge.builder("pushline.connections", this, m -> m.snapshot().connections()).tags(tags)
                .description("Open client connections").strongReference(true).register(registry);
        gauge(registry, "pushline.topics", "Topics with at least one subscriber", m -> m.topics());
        gauge(registry, "pushline.patterns", "Patterns with at least one subscriber", m -> m.patterns());
        gauge(registry, "pushline.source.up", "1 when the message source is connected to its broker",
                m -> m.sourceState().isUp() ? 1 : 0);
        counter(registry, "pushline.connections.opened", "Connections admitted", null, m -> m.connectionsOpened(),
                Tags.empty());
        counter(registry, "pushline.connections.refused", "Connections refused over the limits", null,
                m -> m.connectionsRefused(), Tags.empty());
        for (CloseReason reason : CloseReason.values()) {
            counter(registry, "pushline.connections.closed", "Connections closed, by reason", null,
                    m -> m.connectionsClosed().get(reason), Tags.of("reason", lower(reason)));
        }
        counter(registry, "pushline.messages.received", "Messages from the source", null,
                m -> m.messagesReceived(), Tags.empty());
        counter(registry, "pushline.messages.delivered", "Pushes written to clients", null,
                m -> m.messagesDelivered(), Tags.empty());
        for (DropReason reason : DropReason.values()) {
            counter(registry, "pushline.messages.dropped", "Messages not delivered, by reason", null,
                    m -> m.messagesDropped().get(reason), Tags.of("reason", lower(reason)));
        }
        counter(registry, "pushline.bytes.delivered", "Bytes pushed to clients", BaseUnits.BYTES,
                m -> m.bytesDelivered(), Tags.empty());
        counter(registry, "pushline.frames.received", "Frames received from clients", null,
                m -> m.framesReceived(), Tags.empty());
        counter(registry, "pushline.bytes.received", "Bytes received from clients", BaseUnits.BYTES,
                m -> m.bytesReceived(), Tags.empty());
        counter(registry, "pushline.slow.consumers", "Slow-consumer events", null, m -> m.slowConsumers(),
                Tags.empty());
        counter(registry, "pushline.source.down", "Times the source lost its broker", null,
                m -> m.sourceDownEvents(), Tags.empty());
        counter(registry, "pushline.source.downtime", "Time the source was down", "seconds",
                m -> m.sourceDowntime().toNanos() / 1e9, Tags.empty());
        bindHistory(registry);
        bindWebSocket(registry);
    }

    private void bindWebSocket(MeterRegistry registry) {
        gauge(registry, "pushline.websocket.connections", "Open WebSocket connections",
                m -> m.webSocket().connections());
        counter(registry, "pushline.websocket.opened", "WebSocket connections upgraded and admitted", null,
                m -> m.webSocket().connectionsOpened(), Tags.empty());
        counter(registry, "pushline.websocket.handshakes.refused",
                "WebSocket upgrades refused (origin, request, deadline)", null,
                m -> m.webSocket().handshakesRefused(), Tags.empty());
        counter(registry, "pushline.websocket.messages.delivered", "Pushes written to WebSocket clients", null,
                m -> m.webSocket().messagesDelivered(), Tags.empty());
        counter(registry, "pushline.websocket.bytes.delivered", "Bytes pushed to WebSocket clients",
                BaseUnits.BYTES, m -> m.webSocket().bytesDelivered(), Tags.empty());
    }

    private void bindHistory(MeterRegistry registry) {
        counter(registry, "pushline.history.reads", "History reads", null, m -> m.history().reads(),
                Tags.of("shared", "false"));
        counter(registry, "pushline.history.reads", "History reads", null, m -> m.history().readsShared(),
                Tags.of("shared", "true"));
        for (ResumeOutcome outcome : ResumeOutcome.values()) {
            counter(registry, "pushline.resumes", "Client resumes, by outcome", null,
                    m -> m.history().resumes().get(outcome), Tags.of("outcome", lower(outcome)));
        }
        counter(registry, "pushline.history.replayed", "Messages replayed to resuming clients", null,
                m -> m.history().replayedMessages(), Tags.empty());
        counter(registry, "pushline.history.gaps", "Gaps in live messages repaired from history", null,
                m -> m.history().gapsRepaired(), Tags.empty());
        counter(registry, "pushline.history.repaired", "Messages delivered by gap repairs", null,
                m -> m.history().messagesRepaired(), Tags.empty());
        counter(registry, "pushline.history.lost", "Loss notices sent to a topic's clients", null,
                m -> m.history().topicsLost(), Tags.empty());
    }

    private PushMetrics snapshot() {
        return metrics.get();
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<PushMetrics> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.snapshot())).tags(tags).description(description)
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, String baseUnit,
            ToDoubleFunction<PushMetrics> f, Tags extra) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.snapshot())).tags(Tags.concat(tags, extra))
                .description(description).baseUnit(baseUnit).register(registry);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
