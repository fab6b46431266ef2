package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Golden;
import io.mscoordinator.testing.Samples;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The OpenTelemetry Java SDK's OTLP/HTTP exporter (protobuf, gzip, DELTA temporality) as the
 * engine: what it records with KsanaLLM's names is what GET /metrics shows, exactly.
 */
// up to 30 s per SDK flush: the first loads OkHttp and the marshalers
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OtelSdkExportTest {
  private static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("instance");

  private static final String LABELS =
      "container_name=\"ksana-0\",instance=\"10.0.0.7:8080\",service_name=\"ksana_llm\"";

  /**
   * The SDK's exporter, with every export's outcome kept: the reader's {@code forceFlush} succeeds
   * whether or not the export did (the SDK only logs a failure), so the test asks the exporter.
   */
  private static final class CheckedExporter implements MetricExporter {
    private final MetricExporter exporter;
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    CheckedExporter(MetricExporter exporter) {
      this.exporter = exporter;
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
      CompletableResultCode result = exporter.export(metrics);
      result.whenComplete(
          () ->
              outcomes.add(result.isSuccess() ? "ok" : "failed: " + result.getFailureThrowable()));
      return result;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType type) {
      return exporter.getAggregationTemporality(type);
    }

    @Override
    public Aggregation getDefaultAggregation(InstrumentType type) {
      return exporter.getDefaultAggregation(type);
    }

    @Override
    public MemoryMode getMemoryMode() {
      return exporter.getMemoryMode();
    }

    @Override
    public CompletableResultCode flush() {
      return exporter.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return exporter.shutdown();
    }

    /**
     * Exports now through {@code reader}; fails the test unless the flush ran exactly one export
     * and it succeeded, so a wrong /metrics below is the coordinator's doing. Up to 30 s: the first
     * export loads OkHttp and the marshalers, slow on a loaded CI machine.
     *
     * <p>The SDK's reader (1.56) completes a flush before it frees its export slot: the export's
     * completion first succeeds the flush, which lets this thread go on, and only then marks the
     * slot free (fixed in 1.62, open-telemetry/opentelemetry-java#8317). A flush asked for right
     * after the previous one can find the slot still taken; the reader then skips it, failing it at
     * once without collecting (the recorded values stay for the next collection) and without
     * exporting. Such a flush is asked for again until one runs.
     */
    void flush(PeriodicMetricReader reader) throws InterruptedException {
      int before = outcomes.size();
      CompletableResultCode flushed =
          Eventually.poll(
              () -> reader.forceFlush().join(30, TimeUnit.SECONDS),
              f -> !f.isDone() || f.isSuccess() || outcomes.size() > before,
              Duration.ofSeconds(30),
              Duration.ofMillis(1));
      assertThat("the reader's flush completed", flushed.isDone(), is(true));
      assertThat("the reader's flush ran", flushed.isSuccess(), is(true));
      assertThat("the SDK's exports", outcomes.subList(before, outcomes.size()), is(List.of("ok")));
    }
  }

  private static void bucket(Map<String, Double> out, String name, String le, long count) {
    out.put(
        name
            + "_bucket{container_name=\"ksana-0\",instance=\"10.0.0.7:8080\",le=\""
            + le
            + "\",service_name=\"ksana_llm\"}",
        (double) count);
  }

  @Test
  void shouldExposeExactlyWhatTheSdkRecordedOverTwoDeltaExports() throws Exception {
    try (Coordinator c = TestCoordinators.startShipped()) {
      CheckedExporter exporter =
          new CheckedExporter(
              OtlpHttpMetricExporter.builder()
                  .setEndpoint(c.uri(Coordinator.OTLP) + "/v1/metrics")
                  .setCompression("gzip")
                  .setTimeout(Duration.ofSeconds(30))
                  .setAggregationTemporalitySelector(
                      AggregationTemporalitySelector.deltaPreferred())
                  .build());
      PeriodicMetricReader reader =
          PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build();
      SdkMeterProvider provider =
          SdkMeterProvider.builder()
              .setResource(
                  Resource.create(
                      Attributes.of(
                          AttributeKey.stringKey("service.name"), "ksana_llm",
                          AttributeKey.stringKey("container_name"), "ksana-0",
                          AttributeKey.stringKey("host.name"), "node-7")))
              .registerMetricReader(reader)
              .build();
      try {
        Meter meter = provider.get("ksana_llm");
        DoubleHistogram ttft = meter.histogramBuilder("time_to_first_token_us").build();
        LongCounter requests = meter.counterBuilder("forward_req_total_num").build();
        Attributes engine = Attributes.of(INSTANCE, "10.0.0.7:8080");

        ttft.record(3, engine);
        ttft.record(12, engine);
        ttft.record(12_000, engine);
        requests.add(5, engine);
        exporter.flush(reader);
        ttft.record(600, engine);
        ttft.record(4.5, engine);
        requests.add(2, engine);
        exporter.flush(reader);
      } finally {
        provider.shutdown().join(10, TimeUnit.SECONDS);
      }

      String h = "time_to_first_token_us";
      Map<String, Double> expected = new TreeMap<>();
      expected.put("forward_req_total_num{" + LABELS + "}", 7.0);
      bucket(expected, h, "0.0", 0);
      bucket(expected, h, "5.0", 2);
      bucket(expected, h, "10.0", 2);
      bucket(expected, h, "25.0", 3);
      bucket(expected, h, "50.0", 3);
      bucket(expected, h, "75.0", 3);
      bucket(expected, h, "100.0", 3);
      bucket(expected, h, "250.0", 3);
      bucket(expected, h, "500.0", 3);
      bucket(expected, h, "750.0", 4);
      bucket(expected, h, "1000.0", 4);
      bucket(expected, h, "2500.0", 4);
      bucket(expected, h, "5000.0", 4);
      bucket(expected, h, "7500.0", 4);
      bucket(expected, h, "10000.0", 4);
      bucket(expected, h, "+Inf", 5);
      expected.put(h + "_sum{" + LABELS + "}", 12619.5);
      expected.put(h + "_count{" + LABELS + "}", 5.0);
      Golden.assertSamples("what the SDK recorded", expected, Samples.scrape(c));
      Samples.assertReferenceToolsAccept(c);
    }
  }
}
