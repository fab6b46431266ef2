package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.SeriesStore;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ingest agent's cost per event: read one histogram-sample record from the ring, look up its
 * series and record the raw value in HdrHistogram. Compared side by side with Prometheus
 * client_java 1.9.0 {@code Histogram.observe()} (default builder: classic + native buckets) on
 * the same pre-generated latency values.
 *
 * <p>Run: {@code perf/run jmh AgentEventBenchmark} (add {@code -prof gc} for bytes per event).
 * Each invocation first fills the ring with {@value #BATCH} records (not timed), then times the
 * agent draining them; the score is per event.
 *
 * <p>Lives in the product's package to build the agent without its thread, as MetricsCore does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class AgentEventBenchmark {
  static final int BATCH = 16_384;

  /** Log-uniform latencies from 100 us to 10 s, the same for both sides. */
  static long[] latenciesMicros() {
    SplittableRandom random = new SplittableRandom(42);
    long[] values = new long[1 << 16];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) Math.pow(10, 2 + 5 * random.nextDouble());
    }
    return values;
  }

  /** The agent without its thread, over a 4 MiB in-process ring. */
  @State(Scope.Thread)
  public static class Agent {
    IngestAgent agent;
    ManyToOneRingBuffer ring;
    long handle;
    long[] values;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      SeriesStore store = new SeriesStore(100, Map.of());
      ring =
          new ManyToOneRingBuffer(
              new UnsafeBuffer(
                  ByteBuffer.allocateDirect((4 << 20) + RingBufferDescriptor.TRAILER_LENGTH)));
      agent = new IngestAgent(store, new IngestCounters(), ring, null);
      handle =
          new MetricsProducer(ring)
              .registerSeries(
                  "time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.MICROSECONDS);
      agent.doWork();
      values = latenciesMicros();
    }

    /** Not timed: the records a producer would have offered. */
    @Setup(Level.Invocation)
    public void fillRing() {
      for (int i = 0; i < BATCH; i++) {
        if (!RecordEncoder.offerEvent(
            ring, RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, handle, values[next++ & 0xFFFF])) {
          throw new IllegalStateException("ring full while filling");
        }
      }
    }
  }

  /** client_java 1.9.0's histogram with its default builder. */
  @State(Scope.Thread)
  public static class ClientJava {
    Histogram histogram;
    double[] seconds;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      histogram =
          Histogram.builder()
              .name("time_to_first_token_seconds")
              .help("TTFT")
              .register(new PrometheusRegistry());
      long[] micros = latenciesMicros();
      seconds = new double[micros.length];
      for (int i = 0; i < micros.length; i++) {
        seconds[i] = micros[i] / 1e6;
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int agentDrainsAndRecords(Agent state) {
    int work = 0;
    int idle = 0;
    while (work < BATCH) {
      int done = state.agent.doWork();
      // A read that only skips the padding record at the ring's wrap returns 0 messages.
      if (done == 0 && ++idle > 2) {
        throw new IllegalStateException("ring drained early: work=" + work);
      }
      work += done;
    }
    return work;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void clientJavaObserve(ClientJava state) {
    int base = state.next;
    for (int i = 0; i < BATCH; i++) {
      state.histogram.observe(state.seconds[(base + i) & 0xFFFF]);
    }
    state.next = base + BATCH;
  }
}
