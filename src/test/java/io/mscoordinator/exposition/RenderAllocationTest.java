package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A render reuses its buffers and allocates nothing per series. */
class RenderAllocationTest {
  private static final int SERIES = 1000;

  @Test
  void shouldNotAllocatePerSeriesWhenRenderingIntoAReusedWriter() {
    SeriesStore store = new SeriesStore(3 * SERIES, Map.of());
    for (int i = 0; i < SERIES; i++) {
      String[] labels = {"instance", "node-" + i, "model", "m"};
      store.counterAdd(
          store.register("forward_req_total_num", MetricKind.COUNTER, MetricUnit.NONE, labels), i);
      store.gaugeSet(
          store.register("kv_usage", MetricKind.GAUGE, MetricUnit.NONE, labels), i / 7.0);
      int h =
          store.register("time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.NONE, labels);
      for (int v = 1; v <= 50; v++) {
        store.histogramRecord(h, v * 997L * (i + 1));
      }
    }
    MetricsSnapshot snapshot = store.freeze();
    List<FamilySource> sources = List.of(new SnapshotFamilySource(() -> snapshot));
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (ExpositionFormat format : ExpositionFormat.values()) {
      ExpositionWriter writer = format.newWriter();
      for (int warm = 0; warm < 20; warm++) {
        writer.render(sources);
      }
      long before = mx.getCurrentThreadAllocatedBytes();
      writer.render(sources);
      long allocated = mx.getCurrentThreadAllocatedBytes() - before;
      // 3000 series, 1000 of them histograms with 17 buckets and 4 quantiles: even 8 bytes per
      // series would be 24 kB. The summary family's name and HELP are made once per family.
      assertThat(format + " bytes allocated by one render", allocated, lessThan(4_096L));
    }

    // Every histogram changes between two renders: none is cached, and none allocates either.
    for (int i = 0; i < 3 * SERIES; i++) {
      store.histogramRecord(i, 12_345);
    }
    MetricsSnapshot[] alternate = {snapshot, store.freeze()};
    int[] next = {0};
    List<FamilySource> changing = List.of(new SnapshotFamilySource(() -> alternate[next[0] ^= 1]));
    ExpositionWriter writer = new PrometheusTextWriter();
    for (int warm = 0; warm < 21; warm++) {
      writer.render(changing);
    }
    long before = mx.getCurrentThreadAllocatedBytes();
    writer.render(changing);
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertThat("bytes allocated by a render of changed histograms", allocated, lessThan(4_096L));
  }
}
