package io.mscoordinator.scrape;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.PrometheusTextWriter;
import io.mscoordinator.perf.FleetLoad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * The scrape pipeline's CPU parts without sockets, on the fleet benchmark's node bodies ({@code
 * perf/run fleet}): {@code parseAndCompensate} is one node's scrape after the fetch (parse + reset
 * compensation), {@code merge} is one cluster merge of {@code nodes} such nodes, {@code
 * encodeClusterView} is what the first {@code /metrics} render after a merge pays to write the
 * merged families in the text format through the exposition writer and keep the bytes (later
 * renders copy them). Divide by the samples (nodes × 3,200 for merge, 3,200 for one node and for
 * the merged view) for ns per sample.
 *
 * <p>Run: {@code perf/run jmh MergeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class MergeBenchmark {
  @Param({"200"})
  public int nodes;

  private List<NodeResult> results;
  private ClusterMerge merge;
  private MergedSnapshot merged;
  private final ExpositionWriter writer = new PrometheusTextWriter();
  private FleetLoad.NodeBody body;
  private TextParser parser;

  @Setup
  public void setUp() throws ParseException {
    results = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      FleetLoad.NodeBody node = new FleetLoad.NodeBody(i, 3200);
      TextParser p = new TextParser(200_000);
      List<ParsedFamily> families = null;
      for (int scrape = 0; scrape < 2; scrape++) {
        byte[] bytes = node.next();
        families = p.parse(bytes, bytes.length, false);
        ResetCompensator.apply(families);
      }
      Instance instance =
          new Instance(
              i, "127.0.0.1", 2025, 20000 + i, "llama3-8b", 0, 4096, 1024, 200, 1024, 128, 2,
              Role.UNDEF, 200, 1024, List.of());
      results.add(new NodeResult(instance, true, null, 0.01, 3200, 1, families, true));
    }
    merge = new ClusterMerge(ScrapeSettings.defaults());
    merged = merge.merge(results, 0);
    body = new FleetLoad.NodeBody(0, 3200);
    parser = new TextParser(200_000);
  }

  @Benchmark
  public MergedSnapshot merge() {
    return merge.merge(results, 0);
  }

  @Benchmark
  public byte[] encodeClusterView() {
    writer.reset();
    ScrapeFamilySource.write(ScrapeFamilySource.clusterView(merged), writer);
    return Arrays.copyOf(writer.array(), writer.length());
  }

  private byte[][] bodies;
  private int next;

  @Setup
  public void bodies() {
    bodies = new byte[8][];
    FleetLoad.NodeBody b = new FleetLoad.NodeBody(1, 3200);
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = b.next();
    }
  }

  @Benchmark
  public List<ParsedFamily> parseAndCompensate() throws ParseException {
    byte[] bytes = bodies[next++ & 7];
    List<ParsedFamily> families = parser.parse(bytes, bytes.length, false);
    ResetCompensator.apply(families);
    return families;
  }
}
