package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A source's cached histogram lines follow every change of the series they were encoded from. */
class EncodedLinesCacheTest {
  @Test
  void shouldRenderWhatAFreshSourceRendersAfterSomeHistogramsChange() {
    SeriesStore store = new SeriesStore(100, Map.of());
    int[] slots = new int[3];
    for (int i = 0; i < slots.length; i++) {
      slots[i] =
          store.register(
              "time_to_first_token_us",
              MetricKind.HISTOGRAM,
              MetricUnit.NONE,
              new String[] {"instance", "node-" + i});
      for (int v = 1; v <= 20; v++) {
        store.histogramRecord(slots[i], v * 1000L * (i + 1));
      }
    }
    AtomicReference<MetricsSnapshot> current = new AtomicReference<>(store.freeze());
    SnapshotFamilySource cached = new SnapshotFamilySource(current::get);
    for (ExpositionFormat format : ExpositionFormat.values()) {
      String first = render(cached, format);
      assertThat(first, equalTo(render(new SnapshotFamilySource(current::get), format)));
      assertThat(render(cached, format), equalTo(first));
    }

    // Series 1 gets samples far above the others: its buckets, sum, count and p99.9 change.
    for (int v = 0; v < 100; v++) {
      store.histogramRecord(slots[1], 5_000_000L);
    }
    MetricsSnapshot before = current.get();
    current.set(store.freeze());
    assertThat(current.get().histogram(slots[0]) == before.histogram(slots[0]), equalTo(true));
    for (ExpositionFormat format : ExpositionFormat.values()) {
      String again = render(cached, format);
      assertThat(again, equalTo(render(new SnapshotFamilySource(current::get), format)));
      assertThat(again, containsString("time_to_first_token_us_count{instance=\"node-1\"} 120\n"));
      assertThat(
          again,
          containsString(
              "time_to_first_token_us_quantiles{instance=\"node-1\",quantile=\"0.999\"} 5"));
    }

    // Back to the earlier snapshot: its frozen copies come back, and so do its lines.
    current.set(before);
    String old = render(cached, ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(
        old,
        equalTo(render(new SnapshotFamilySource(current::get), ExpositionFormat.PROMETHEUS_TEXT)));
    assertThat(old, not(containsString("_count{instance=\"node-1\"} 120\n")));
  }

  private static String render(FamilySource source, ExpositionFormat format) {
    ExpositionWriter writer = format.newWriter();
    writer.render(List.of(source));
    return new String(writer.array(), 0, writer.length(), StandardCharsets.UTF_8);
  }
}
