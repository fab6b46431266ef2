package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.mscoordinator.config.Section;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.metrics.MetricsCapability;
import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import jakarta.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsCoreTest {
  private MetricsCore core;

  @AfterEach
  void stop() {
    if (core != null) {
      core.close();
    }
  }

  private MetricsCore start(int seriesLimit) {
    core =
        MetricsCore.start(
            MetricsSettings.parse(
                Section.of(
                    Json.createObjectBuilder()
                        .add("ring_file", "")
                        .add("series_limit", seriesLimit)
                        .build(),
                    "metrics_config")));
    return core;
  }

  @Test
  void shouldApplyEveryEventOfferedBeforeTheSnapshot() {
    MetricsProducer producer = start(100).producer();
    long requests =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "a");
    long ttft =
        producer.registerSeries(
            "time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.NONE, "instance", "a");
    for (int i = 1; i <= 1000; i++) {
      assertThat(producer.counterAdd(requests, 2), is(true));
      assertThat(producer.histogramRecord(ttft, i), is(true));
    }
    MetricsSnapshot snapshot = core.snapshot();
    FamilySnapshot counter = snapshot.family("forward_req_total_num");
    assertThat(snapshot.counter(counter.slot(0)), is(2000L));
    FamilySnapshot histogram = snapshot.family("time_to_first_token_us");
    assertThat(histogram.unit(), is(MetricUnit.MICROSECONDS));
    assertThat(snapshot.histogram(histogram.slot(0)).getTotalCount(), is(1000L));
    assertThat(snapshot.histogramSum(histogram.slot(0)), is(500_500L));
  }

  @Test
  void shouldApplyBucketAddsWholeWithTheSendersBounds() {
    MetricsProducer producer = start(100).producer();
    double[] bounds = {5, 10};
    long h =
        producer.register(
            "ttft_custom", MetricKind.BUCKETED_HISTOGRAM, MetricUnit.NONE, bounds, new String[0]);
    long other =
        producer.register(
            "ttft_custom",
            MetricKind.BUCKETED_HISTOGRAM,
            MetricUnit.NONE,
            new double[] {1},
            new String[] {"instance", "b"});
    assertThat(producer.bucketAdd(h, new long[] {1, 2, 3}, 40.5, 6), is(true));
    assertThat(producer.bucketAdd(h, new long[] {0, 1, 0}, 7, 1), is(true));
    // Count that is not the sum of the buckets, and a wrong bucket count: dropped whole.
    assertThat(producer.bucketAdd(h, new long[] {1, 1, 1}, 1, 4), is(true));
    assertThat(producer.bucketAdd(h, new long[] {1, 1}, 1, 2), is(true));
    assertThat(producer.bucketAdd(other, new long[] {1, 1}, 1, 2), is(true));

    MetricsSnapshot snapshot = core.snapshot();
    FamilySnapshot family = snapshot.family("ttft_custom");
    assertThat(family.kind(), is(MetricKind.BUCKETED_HISTOGRAM));
    assertThat(family.bounds(), is(bounds));
    assertThat(family.size(), is(1));
    assertThat(snapshot.histogramBuckets(family.slot(0)), is(new long[] {1, 3, 3}));
    assertThat(snapshot.bucketSum(family.slot(0)), is(47.5));
    assertThat(core.counters().series(), is(1L));
    String body =
        new String(
            MetricsCapability.of(core).render(ExpositionFormat.PROMETHEUS_TEXT),
            StandardCharsets.UTF_8);
    assertThat(body, containsString("ttft_custom_bucket{le=\"10.0\"} 4\n"));
    assertThat(body, containsString("ttft_custom_bucket{le=\"+Inf\"} 7\n"));
    assertThat(body, containsString("ttft_custom_count 7\n"));
  }

  @Test
  void shouldApplyEventsOfOneProducerInOfferOrder() {
    MetricsProducer producer = start(100).producer();
    long gauge = producer.registerSeries("queue_depth", MetricKind.GAUGE, MetricUnit.COUNT);
    for (int i = 1; i <= 50_000; i++) {
      while (!producer.gaugeSet(gauge, i)) {
        Thread.onSpinWait();
      }
    }
    MetricsSnapshot snapshot = core.snapshot();
    assertThat(snapshot.gauge(snapshot.family("queue_depth").slot(0)), is(50_000.0));
  }

  @Test
  void shouldRefuseSeriesPastTheLimitAndCountThem() {
    MetricsProducer producer = start(2).producer();
    long a =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "a");
    long b =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "b");
    long c =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "c");
    producer.counterAdd(a, 1);
    producer.counterAdd(b, 1);
    producer.counterAdd(c, 1);
    MetricsSnapshot snapshot = core.snapshot();
    assertThat(snapshot.seriesCount(), is(2));
    FamilySnapshot family = snapshot.family("forward_req_total_num");
    assertThat(family.size(), is(2));
    assertThat(family.labelValue(0, "instance"), is("a"));
    assertThat(family.labelValue(1, "instance"), is("b"));
    String body =
        new String(
            MetricsCapability.of(core).render(ExpositionFormat.PROMETHEUS_TEXT),
            StandardCharsets.UTF_8);
    assertThat(body, containsString("ms_coordinator_series_refused_total{reason=\"limit\"} 1\n"));
    assertThat(
        body,
        containsString(
            "ms_coordinator_ingest_dropped_total{reason=\"refused_series\",transport=\"in_process\"} 1\n"));
    assertThat(body, containsString("ms_coordinator_series 2\n"));
  }

  @Test
  void shouldCountEventsOnUnregisteredHandlesAsUnknownSeries() {
    MetricsProducer producer = start(10).producer();
    producer.counterAdd(12345, 1);
    core.snapshot();
    String body =
        new String(
            MetricsCapability.of(core).render(ExpositionFormat.PROMETHEUS_TEXT),
            StandardCharsets.UTF_8);
    assertThat(
        body,
        containsString(
            "ms_coordinator_ingest_dropped_total{reason=\"unknown_series\",transport=\"in_process\"} 1\n"));
  }

  @Test
  void shouldReportLiveWhileRunningAndDownAfterClose() {
    MetricsCore c = start(10);
    assertThat(c.alive(), is(true));
    c.close();
    assertThat(c.alive(), is(false));
  }

  @Test
  void shouldKeepAcceptingOffersHarmlesslyAfterClose() {
    MetricsCore c = start(10);
    MetricsProducer producer = c.producer();
    long h = producer.registerSeries("x_seconds", MetricKind.HISTOGRAM, MetricUnit.NONE);
    c.close();
    assertThat(producer.histogramRecord(h, 1), is(true));
    assertThat(c.ringFile(), is(nullValue()));
    assertThat(producer, is(notNullValue()));
  }
}
