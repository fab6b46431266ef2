package io.mscoordinator.scrape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node body parser alone ({@code TextParser}, text 0.0.4) on real corpus bodies, as a node's
 * scrape thread uses it: one parser per node, reused scrape after scrape (its intern tables hit
 * on every sample line whose name and labels repeat). Target: at most 100 ns per sample.
 *
 * <p>Run: {@code perf/run jmh ParserBenchmark -prof gc}. The {@code samples} line of the result
 * is samples parsed per second; ns per sample = 1e9 / that. The corpus is read from {@code
 * -Dms.corpus=DIR} (default: the repository's own copy, {@code src/test/resources/corpus} of the
 * working directory or of its parent).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ParserBenchmark {
  @Param({
    "nodes/vllm.prom",
    "nodes/tgi.prom",
    "nodes/triton.prom",
    "nodes/sglang.prom",
    "nodes/mindie/ms_metricsSingleNodeData_0.prom"
  })
  public String body;

  private byte[] bytes;
  private TextParser parser;
  private int samplesPerBody;

  /** Samples parsed, reported by JMH as a rate next to the parse rate. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Samples {
    public long samples;

    @Setup(Level.Iteration)
    public void reset() {
      samples = 0;
    }
  }

  @Setup
  public void setUp() throws ParseException {
    bytes = read(corpus().resolve(body));
    parser = new TextParser(1_000_000);
    for (ParsedFamily f : parser.parse(bytes, bytes.length, false)) {
      samplesPerBody += f.size;
    }
  }

  @Benchmark
  public List<ParsedFamily> parse(Samples counter) throws ParseException {
    List<ParsedFamily> families = parser.parse(bytes, bytes.length, false);
    counter.samples += samplesPerBody;
    return families;
  }

  static Path corpus() {
    String configured = System.getProperty("ms.corpus");
    if (configured != null) {
      return Path.of(configured);
    }
    for (Path p :
        new Path[] {
          Path.of("src", "test", "resources", "corpus"),
          Path.of("..", "src", "test", "resources", "corpus")
        }) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    throw new IllegalStateException("corpus not found; pass -Dms.corpus=DIR");
  }

  private static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
