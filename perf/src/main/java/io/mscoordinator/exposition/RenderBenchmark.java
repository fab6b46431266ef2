package io.mscoordinator.exposition;

import io.mscoordinator.perf.SameSeries;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code /metrics} body in Prometheus text 0.0.4 for {@code labelSets} label sets, each with
 * a counter, a gauge and a 27-bucket histogram holding the same values on both sides. Compared
 * side by side with Prometheus client_java 1.9.0's {@code PrometheusTextFormatWriter}.
 *
 * <p>Run: {@code perf/run jmh RenderBenchmark -prof gc}.
 *
 * <ul>
 *   <li>{@code ours}: {@link ExpositionWriter#render} from a frozen snapshot into the reused
 *       writer buffer, as a scrape does. It also writes the {@code _quantiles} summary family
 *       (p50/p90/p99/p99.9 per histogram series) that client_java cannot give: more output for
 *       the same series.
 *   <li>{@code oursEveryHistogramChanged}: the same, but every histogram series changed since
 *       the previous render, so each render counts, computes and formats every histogram again
 *       (ours caches a series' encoded lines while its frozen copy stays the same).
 *   <li>{@code clientJavaWrite}: the writer alone on a snapshot taken beforehand.
 *   <li>{@code clientJavaScrapeAndWrite}: {@code registry.scrape()} plus the writer, which is what
 *       a client_java {@code /metrics} handler does per request.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RenderBenchmark {
  @Param({"100", "1000"})
  public int labelSets;

  private List<FamilySource> ours;
  private List<FamilySource> changing;
  private MetricsSnapshot[] alternate;
  private int next;
  private ExpositionWriter writer;
  private PrometheusRegistry registry;
  private MetricSnapshots clientJavaSnapshot;
  private PrometheusTextFormatWriter clientJavaWriter;
  private ByteArrayOutputStream clientJavaOut;

  @Setup
  public void setUp() throws IOException {
    SeriesStore store = new SeriesStore(10 * labelSets, Map.of("request_latency", SameSeries.BOUNDS));
    registry = new PrometheusRegistry();
    SameSeries.populate(
        labelSets,
        registry,
        (labels, counter, gauge, latencies) -> {
          int c = store.register("requests", MetricKind.COUNTER, MetricUnit.NONE, labels);
          int g = store.register("queue_size", MetricKind.GAUGE, MetricUnit.NONE, labels);
          int h =
              store.register("request_latency", MetricKind.HISTOGRAM, MetricUnit.NONE, labels);
          store.counterAdd(c, counter);
          store.gaugeSet(g, gauge);
          for (long ms : latencies) {
            store.histogramRecord(h, ms);
          }
        });
    MetricsSnapshot snapshot = store.freeze();
    ours = List.of(new SnapshotFamilySource(() -> snapshot));
    // A second snapshot in which every histogram has one more sample: rendering the two in turn,
    // no histogram series is ever the one the previous render saw.
    for (int slot = 0; slot < snapshot.seriesCount(); slot++) {
      store.histogramRecord(slot, 1 + slot % 1000);
    }
    alternate = new MetricsSnapshot[] {snapshot, store.freeze()};
    changing = List.of(new SnapshotFamilySource(() -> alternate[next]));
    writer = new PrometheusTextWriter();
    clientJavaSnapshot = registry.scrape();
    clientJavaWriter = PrometheusTextFormatWriter.create();
    clientJavaOut = new ByteArrayOutputStream(1 << 20);
  }

  @Benchmark
  public int ours() {
    writer.render(ours);
    return writer.length();
  }

  /**
   * As {@link #ours}, but every histogram changed since the previous render (two snapshots in
   * turn), so no series' lines come from the previous render.
   */
  @Benchmark
  public int oursEveryHistogramChanged() {
    next ^= 1;
    writer.render(changing);
    return writer.length();
  }

  @Benchmark
  public int clientJavaWrite() throws IOException {
    clientJavaOut.reset();
    clientJavaWriter.write(clientJavaOut, clientJavaSnapshot);
    return clientJavaOut.size();
  }

  @Benchmark
  public int clientJavaScrapeAndWrite() throws IOException {
    clientJavaOut.reset();
    clientJavaWriter.write(clientJavaOut, registry.scrape());
    return clientJavaOut.size();
  }
}
