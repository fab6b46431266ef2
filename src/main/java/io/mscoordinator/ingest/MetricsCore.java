package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The metrics core: the rings, the ingest agent on its own thread and the series store. What others
 * get of it: the in-process {@link #producer()}, consistent {@link #snapshot()}s, the agent's own
 * figures ({@link #counters()}) and whether the agent works ({@link #alive()}). It knows nothing of
 * HTTP or of exposition formats; the metrics capability serves it.
 *
 * <p>Threadsafe: every public method may be called from any thread; the agent thread {@code
 * ms-metrics-ingest} is the only writer of metric state.
 *
 * <p>{@link #close()} stops the agent but unmaps nothing: handlers that still hold the producer may
 * offer into the in-process ring (a heap-independent direct buffer that is simply never read again)
 * and other processes may keep writing the file ring, whose records the next coordinator reads.
 */
public final class MetricsCore implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MetricsCore.class.getName());
  private static final long SNAPSHOT_TIMEOUT_MS = 5_000;
  private static final long STALL_NS = TimeUnit.SECONDS.toNanos(5);

  /**
   * How long the ingest agent parks when a pass found nothing, at once, with no spinning or
   * yielding first. Nothing waits on the agent to apply an event (a /metrics snapshot unparks it, a
   * full ring's waiting producers park themselves), and each wake-up of a parked thread costs some
   * 15 us of CPU here. A busy backoff that spins, yields and parks 1 us, 2 us, 4 us... between
   * events cost a wake-up per step: under the data plane's steady trickle (a few thousand events/s,
   * two to four per relayed chunk) that was a third of the coordinator's CPU (0.96 s of 2.9 s in a
   * 10 s run of 20 streams). Parking 1 ms still woke the agent 700 times a second under 100 streams
   * (6.1 us of CPU per relayed chunk, a tenth of the coordinator's); 4 ms bounds it to 250 wake-ups
   * a second under any trickle (2.7 us per chunk; an idle coordinator 0.85% of a core, {@code
   * perf/idle}). A writer that starts after a pause fills at most 4 ms of its events before the
   * agent drains again: the default 64 MiB ring file holds 40 ms at 50 M events/s, the 8 MiB
   * in-process ring 250,000 records.
   */
  private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(4);

  private final MetricsSettings settings;
  private final IngestAgent agent;
  private final AgentRunner runner;
  private final IngestCounters counters;
  private final MetricsProducer producer;
  private final IngestCountersReader reader;
  private final Liveness liveness = new Liveness();

  private MetricsCore(MetricsSettings settings) {
    this.settings = settings;
    this.counters = new IngestCounters();
    RingBuffer inProcess =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                ByteBuffer.allocateDirect(
                    settings.inProcessRingCapacityBytes() + RingBufferDescriptor.TRAILER_LENGTH)));
    RingFile ringFile =
        settings.ringFile() == null
            ? null
            : RingFile.openForConsumer(settings.ringFile(), settings.ringCapacityBytes());
    if (ringFile != null && ringFile.ring().capacity() != settings.ringCapacityBytes()) {
      LOG.log(
          Level.WARNING,
          "reusing ring file with its own capacity: path={0} file_capacity={1} configured={2}",
          ringFile.path(),
          ringFile.ring().capacity(),
          settings.ringCapacityBytes());
    }
    this.producer = new MetricsProducer(inProcess);
    SeriesStore store = new SeriesStore(settings.seriesLimit(), settings.histogramBuckets());
    this.agent = new IngestAgent(store, counters, inProcess, ringFile);
    this.runner =
        new AgentRunner(
            new BackoffIdleStrategy(0, 0, IDLE_PARK_NS, IDLE_PARK_NS),
            e -> LOG.log(Level.ERROR, "metrics ingest agent error", e),
            null,
            agent);
    LongSupplier[] ringFull = new LongSupplier[Transport.values().length];
    ringFull[Transport.IN_PROCESS.ordinal()] = producer::droppedRingFull;
    ringFull[Transport.FILE.ordinal()] = agent::fileRingFull;
    IntFunction<RingBuffer> rings =
        transport -> {
          if (transport == Transport.IN_PROCESS.ordinal()) {
            return inProcess;
          }
          RingFile file = agent.ringFile();
          return file == null ? null : file.ring();
        };
    this.reader = new Reader(counters, rings, ringFull, settings.seriesLimit());
  }

  /**
   * Maps (or creates) the ring file, starts the ingest agent thread {@code ms-metrics-ingest}.
   *
   * @throws IllegalStateException when the ring file exists but is not a ring file of this layout
   */
  public static MetricsCore start(MetricsSettings settings) {
    MetricsCore core = new MetricsCore(settings);
    AgentRunner.startOnThread(core.runner);
    // The runner publishes its thread once the thread runs; liveness needs it from the start.
    long deadline = System.nanoTime() + STALL_NS;
    while (core.runner.thread() == null && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    return core;
  }

  /** The settings this core runs with. */
  public MetricsSettings settings() {
    return settings;
  }

  /** The in-process producer for request threads. */
  public MetricsProducer producer() {
    return producer;
  }

  /**
   * Series the store holds, as of the last registration the agent applied; with {@link
   * MetricsSettings#seriesLimit()} it lets a producer refuse a new series up front.
   */
  public long seriesCount() {
    return counters.series();
  }

  /**
   * The mapped ring file, or {@code null} when the file ring is off. Another object after the file
   * was deleted, replaced or truncated and created again.
   */
  public RingFile ringFile() {
    return agent.ringFile();
  }

  /**
   * A consistent snapshot containing every event offered (into either ring) before this call.
   *
   * @throws IllegalStateException when the agent does not answer within 5 s or has stopped
   */
  public MetricsSnapshot snapshot() {
    if (runner.isClosed()) {
      throw new IllegalStateException("metrics core closed");
    }
    try {
      CompletableFuture<MetricsSnapshot> request = agent.requestSnapshot();
      Thread consumer = runner.thread();
      if (consumer != null) {
        LockSupport.unpark(consumer); // an idle agent parks IDLE_PARK_NS
      }
      return request.get(SNAPSHOT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a metrics snapshot", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("no metrics snapshot: timeout_ms=" + SNAPSHOT_TIMEOUT_MS, e);
    }
  }

  /** The agent's own figures and the rings' use, for the {@code /metrics} self families. */
  public IngestCountersReader counters() {
    return reader;
  }

  /**
   * Liveness: the agent thread runs and its duty-cycle count advanced within the last 5 s (an agent
   * stuck in one duty cycle is as dead as one whose thread ended).
   */
  public boolean alive() {
    return liveness.alive();
  }

  /** The agent thread, once started; for tests that measure it. */
  Thread agentThread() {
    return runner.thread();
  }

  /** Stops the agent (waits for its thread); unmaps nothing. Idempotent. */
  @Override
  public void close() {
    runner.close();
    RingFile ringFile = agent.ringFile();
    if (ringFile != null) {
      ringFile.releaseConsumer();
    }
    agent.failPendingRequest();
  }

  /** Threadsafe: the check's state is guarded by its monitor; checks are rare. */
  private final class Liveness {
    private long lastCycles = -1;
    private long lastAdvanceNs = System.nanoTime();

    synchronized boolean alive() {
      long cycles = counters.dutyCycles();
      long now = System.nanoTime();
      if (cycles != lastCycles) {
        lastCycles = cycles;
        lastAdvanceNs = now;
      }
      Thread thread = runner.thread();
      boolean running = thread != null && thread.isAlive() && !runner.isClosed();
      return running && now - lastAdvanceNs < STALL_NS;
    }
  }

  /**
   * The shared view of the agent's counters and the rings. Threadsafe: acquire loads of counters
   * the agent publishes, ring positions read as Agrona publishes them.
   */
  private static final class Reader implements IngestCountersReader {
    private final IngestCounters counters;
    private final IntFunction<RingBuffer> rings;
    private final LongSupplier[] ringFull;
    private final int seriesLimit;

    Reader(
        IngestCounters counters,
        IntFunction<RingBuffer> rings,
        LongSupplier[] ringFull,
        int seriesLimit) {
      this.counters = counters;
      this.rings = rings;
      this.ringFull = ringFull;
      this.seriesLimit = seriesLimit;
    }

    @Override
    public boolean enabled(Transport transport) {
      return rings.apply(transport.ordinal()) != null;
    }

    @Override
    public long events(Transport transport) {
      return counters.events(transport);
    }

    @Override
    public long drops(Transport transport, DropReason reason) {
      return reason == DropReason.RING_FULL
          ? ringFull[transport.ordinal()].getAsLong()
          : counters.drops(transport, reason);
    }

    @Override
    public long refused(RefusalReason reason) {
      return counters.refused(reason);
    }

    @Override
    public long dutyCycles() {
      return counters.dutyCycles();
    }

    @Override
    public long ringFileRecreations() {
      return counters.ringFileRecreations();
    }

    @Override
    public long ringUnblocks() {
      return counters.ringUnblocks();
    }

    @Override
    public long ringResets() {
      return counters.ringResets();
    }

    @Override
    public int ringCapacity(Transport transport) {
      RingBuffer ring = rings.apply(transport.ordinal());
      return ring == null ? 0 : ring.capacity();
    }

    @Override
    public int ringUsed(Transport transport) {
      RingBuffer ring = rings.apply(transport.ordinal());
      return ring == null ? 0 : ring.size();
    }

    @Override
    public long series() {
      return counters.series();
    }

    @Override
    public int seriesLimit() {
      return seriesLimit;
    }
  }
}
