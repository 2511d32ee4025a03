package dev.ferry.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one JVM count apart):
 * requests by model, endpoint and status, request latency, batch sizes and engine time per batch,
 * images classified, queue depth and images/s now.
 *
 * <p>Requests for a model name the server does not have are counted under {@code model=""}, so
 * that a client cannot grow the label set without bound.
 */
final class ServeMetrics {
    /** The text format's content type. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Histogram batchSize;
    private final Histogram batchSeconds;
    private final Counter images;

    ServeMetrics() {
        requests = Counter.builder().name("ferry_requests_total")
                .help("HTTP requests answered, by model, endpoint and status")
                .labelNames("model", "endpoint", "status").register(registry);
        latency = Histogram.builder().name("ferry_request_duration_seconds")
                .help("Time from a request's arrival to its answer, by model and endpoint")
                .labelNames("model", "endpoint")
                .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        batchSize = Histogram.builder().name("ferry_batch_size")
                .help("Images per forward pass, by model")
                .labelNames("model").classicOnly().classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128)
                .register(registry);
        batchSeconds = Histogram.builder().name("ferry_batch_duration_seconds")
                .help("Engine time per forward pass, by model")
                .labelNames("model")
                .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .register(registry);
        images = Counter.builder().name("ferry_images_total")
                .help("Images classified, by model").labelNames("model").register(registry);
    }

    /** Registers the gauges read from the models when scraped: queue depth and images/s. */
    void watch(Supplier<Collection<ServedModel>> models) {
        GaugeWithCallback.builder().name("ferry_queue_depth")
                .help("Images waiting for a batch, by model").labelNames("model")
                .callback(cb -> models.get().forEach(m -> cb.call(m.batcher().depth(), m.name())))
                .register(registry);
        GaugeWithCallback.builder().name("ferry_images_per_second")
                .help("Images classified per second over the last 10 s, by model").labelNames("model")
                .callback(cb -> models.get().forEach(m -> cb.call(m.batcher().imagesPerSecond(), m.name())))
                .register(registry);
    }

    /** Counts one answered request. */
    void request(String model, String endpoint, int status, long nanos) {
        requests.labelValues(model, endpoint, Integer.toString(status)).inc();
        latency.labelValues(model, endpoint).observe(nanos / 1e9);
    }

    /** Counts one forward pass. */
    void batch(String model, int size, long nanos) {
        batchSize.labelValues(model).observe(size);
        batchSeconds.labelValues(model).observe(nanos / 1e9);
        images.labelValues(model).inc(size);
    }

    /** Everything, in Prometheus' text format. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
