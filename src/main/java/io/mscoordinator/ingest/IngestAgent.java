package io.mscoordinator.ingest;

import static io.mscoordinator.ingest.RecordDescriptor.*;

import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Drains every ring and applies the events to the {@link SeriesStore}: the only writer of metric
 * state. Runs on its own platform thread, {@value #ROLE_NAME}, under an Agrona {@code AgentRunner}.
 *
 * <p>Single writer: the {@value #ROLE_NAME} thread owns the store, the handle maps and the counters
 * it writes; other threads call only {@link #requestSnapshot()} (threadsafe) and read {@link
 * IngestCounters}.
 *
 * <p>Snapshot protocol: a reader posts a future in {@link #requestSnapshot()} (or joins the one
 * already posted). At the top of its next duty cycle the agent takes the future, drains the rings
 * (so every event offered before the request is in), freezes the store between two events, and
 * completes the future. The reader's wait is at most one duty cycle plus the drain; the agent's
 * pause is the freeze, a copy of changed state (see {@link SeriesStore}).
 *
 * <p>Steady state allocates nothing per event: the handlers are built once, the handle maps are
 * open-addressing maps of primitives, and the store's event methods are allocation-free.
 *
 * <p>Restart after a crash: a coordinator killed without a clean stop leaves the file's epoch as it
 * was, so writers go on writing events under handles whose registrations the dead process had
 * consumed; they register again only after the next coordinator bumps the epoch, which puts those
 * registrations behind the events in the ring. On a reused file the agent therefore holds events of
 * unknown handles for {@value #ORPHAN_WINDOW_MS} ms after it starts (at most one per 32 bytes of
 * ring, the smallest record) and applies them, in ring order, when their handle's registration
 * arrives; what is still held when the window closes is dropped as {@code unknown_series}.
 *
 * <p>The ring file removed from under the coordinator: on every heartbeat tick the agent checks
 * that the path still names the file it mapped, whole. When the file was deleted or replaced, the
 * agent creates a new one (or adopts a ring file someone put there), marks the old mapping's
 * heartbeat 0 so that writers find it stale within their next check and move to the path's new
 * file, and keeps draining the old mapping, under its own handle map, until it has been silent for
 * {@value #RETIRED_QUIET_MS} ms: nothing written before the writers moved is lost. When the file
 * was truncated, its pages past the new end fault on access (the JVM raises an {@link
 * InternalError}; a C writer gets SIGBUS): the agent stops touching that mapping at once, deletes
 * the file and creates a new one. Records in the truncated file are lost with it.
 */
final class IngestAgent implements Agent {
  static final String ROLE_NAME = "ms-metrics-ingest";

  private static final System.Logger LOG = System.getLogger(IngestAgent.class.getName());

  private static final int READ_LIMIT = 4096;
  private static final int MAX_DRAIN_ROUNDS = 64;
  private static final long UNBLOCK_AFTER_NS = 1_000_000_000L;
  private static final long REFUSED = -1;
  private static final long MISSING = Long.MIN_VALUE;
  static final long ORPHAN_WINDOW_MS = 30_000;
  private static final int SMALLEST_RECORD = 32;
  static final long RETIRED_QUIET_MS = 300_000;

  private final SeriesStore store;
  private final IngestCounters counters;
  private Source[] sources;
  private Source fileSource;
  private volatile RingFile ringFile;
  private volatile long fileRingFullCarried;
  private volatile RingFile[] retiredFiles = new RingFile[0];
  private long lastFileRingFull;
  private String lastReplaceFailure;
  private final RegisterDecoder decoder = new RegisterDecoder();
  private final AtomicReference<CompletableFuture<MetricsSnapshot>> snapshotRequest =
      new AtomicReference<>();
  private final long orphanWindowMs;
  private long lastHeartbeatMs;

  IngestAgent(SeriesStore store, IngestCounters counters, RingBuffer inProcess, RingFile ringFile) {
    this(store, counters, inProcess, ringFile, ORPHAN_WINDOW_MS);
  }

  IngestAgent(
      SeriesStore store,
      IngestCounters counters,
      RingBuffer inProcess,
      RingFile ringFile,
      long orphanWindowMs) {
    this.orphanWindowMs = orphanWindowMs;
    this.store = store;
    this.counters = counters;
    this.ringFile = ringFile;
    this.sources =
        ringFile == null
            ? new Source[] {new Source(Transport.IN_PROCESS, inProcess)}
            : new Source[] {
              new Source(Transport.IN_PROCESS, inProcess),
              new Source(Transport.FILE, ringFile.ring())
            };
    this.fileSource = ringFile == null ? null : sources[1];
  }

  @Override
  public String roleName() {
    return ROLE_NAME;
  }

  @Override
  public void onStart() {
    if (ringFile != null) {
      lastHeartbeatMs = System.currentTimeMillis();
      if (ringFile.reused()) {
        sources[sources.length - 1].holdOrphansUntil(lastHeartbeatMs + orphanWindowMs);
      }
      ringFile.bumpEpoch(ProcessHandle.current().pid(), lastHeartbeatMs);
    }
  }

  @Override
  public int doWork() {
    counters.dutyCycle();
    int work = 0;
    CompletableFuture<MetricsSnapshot> request = snapshotRequest.getAndSet(null);
    try {
      work += cycle(request);
    } catch (InternalError fault) {
      // The JVM's answer to a fault on a mapped page: the ring file was truncated under us.
      onMappingFault(fault);
      work += cycle(request);
    }
    if (ringFile != null) {
      long now = System.currentTimeMillis();
      if (now - lastHeartbeatMs >= RingFileDescriptor.HEARTBEAT_INTERVAL_MS) {
        lastHeartbeatMs = now;
        checkRingFile(now);
        if (fileSource != null) {
          fileSource.releaseOrphansAfterWindow(now);
        }
        retireQuietSources(now);
      }
    }
    return work;
  }

  /** Drains; when a reader waits, drains until the rings are empty and answers it. */
  private int cycle(CompletableFuture<MetricsSnapshot> request) {
    if (request == null) {
      return drain();
    }
    int work = 0;
    for (int round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      int drained = drain();
      work += drained;
      if (drained == 0) {
        break;
      }
    }
    request.complete(store.freeze());
    return work + 1;
  }

  /** The file ring's records dropped by producers on a full ring, over every file it has had. */
  long fileRingFull() {
    long total = fileRingFullCarried;
    RingFile current = ringFile;
    if (current != null) {
      total += current.droppedRingFull();
    }
    for (RingFile retired : retiredFiles) {
      total += retired.droppedRingFull();
    }
    return total;
  }

  /** The ring file mapped now, or null when the file ring is off. */
  RingFile ringFile() {
    return ringFile;
  }

  /** A fault on a mapped page: replace a truncated file, or rethrow a fault of unknown cause. */
  private void onMappingFault(InternalError fault) {
    RingFile file = ringFile;
    if (file == null || file.pathState() != RingFile.PathState.TRUNCATED) {
      throw fault;
    }
    checkRingFile(System.currentTimeMillis());
  }

  /**
   * Heartbeats the ring file while the path names it, whole; otherwise maps the path's new file
   * (see the class comment).
   */
  private void checkRingFile(long now) {
    RingFile file = ringFile;
    RingFile.PathState state = file.pathState();
    if (state == RingFile.PathState.MAPPED && fileSource != null) {
      file.heartbeat(now);
      lastFileRingFull = file.droppedRingFull();
      return;
    }
    boolean truncated = state == RingFile.PathState.TRUNCATED;
    RingFile fresh;
    try {
      fresh = file.replace(file.ring().capacity(), truncated);
    } catch (RuntimeException e) {
      String reason = String.valueOf(e.getMessage());
      if (!reason.equals(lastReplaceFailure)) {
        lastReplaceFailure = reason;
        LOG.log(System.Logger.Level.ERROR, "ring file gone, cannot map its path: {0}", reason);
      }
      if (truncated) {
        // Never touch the faulting mapping again; try the path again at the next tick.
        detachFileSource();
      } else if (fileSource != null) {
        // Writers that still map the old file keep working through it meanwhile.
        file.heartbeat(now);
      }
      return;
    }
    lastReplaceFailure = null;
    Source old = fileSource;
    Source next = new Source(Transport.FILE, fresh.ring());
    if (fresh.reused()) {
      next.holdOrphansUntil(now + orphanWindowMs);
    }
    fresh.bumpEpoch(ProcessHandle.current().pid(), now);
    if (truncated || old == null) {
      detachFileSource();
      Source[] grown = java.util.Arrays.copyOf(sources, sources.length + 1);
      grown[grown.length - 1] = next;
      sources = grown;
    } else {
      // Heartbeat 0: writers find the old file stale at their next check and move to the path.
      file.heartbeat(0);
      old.retiredSinceMs = now;
      old.lastReadMs = now;
      old.file = file;
      Source[] grown = java.util.Arrays.copyOf(sources, sources.length + 1);
      grown[grown.length - 2] = old;
      grown[grown.length - 1] = next;
      sources = grown;
      RingFile[] retired = java.util.Arrays.copyOf(retiredFiles, retiredFiles.length + 1);
      retired[retired.length - 1] = file;
      retiredFiles = retired;
    }
    lastFileRingFull = 0;
    fileSource = next;
    ringFile = fresh;
    counters.ringFileRecreated();
    LOG.log(
        System.Logger.Level.WARNING,
        truncated
            ? "ring file truncated under the coordinator: records in it are lost; created again:"
                + " path={0} reused={1}"
            : "ring file deleted or replaced under the coordinator: mapped the path again and"
                + " drains the old file until its writers move: path={0} reused={1}",
        fresh.path(),
        fresh.reused());
  }

  /** Drops retired file sources that stayed silent for {@value #RETIRED_QUIET_MS} ms. */
  private void retireQuietSources(long now) {
    for (Source source : sources) {
      if (source.file != null && now - source.lastReadMs >= RETIRED_QUIET_MS) {
        fileRingFullCarried += source.file.droppedRingFull();
        RingFile[] retired = new RingFile[retiredFiles.length - 1];
        int at = 0;
        for (RingFile r : retiredFiles) {
          if (r != source.file) {
            retired[at++] = r;
          }
        }
        retiredFiles = retired;
        removeSource(source);
        LOG.log(
            System.Logger.Level.INFO,
            "old ring file silent for {0} ms, no longer drained",
            now - source.lastReadMs);
        return;
      }
    }
  }

  private void removeSource(Source gone) {
    Source[] kept = new Source[sources.length - 1];
    int at = 0;
    for (Source source : sources) {
      if (source != gone) {
        kept[at++] = source;
      }
    }
    sources = kept;
  }

  /** Stops draining the current file source (its mapping faults); keeps its drop count. */
  private void detachFileSource() {
    if (fileSource != null) {
      fileRingFullCarried += lastFileRingFull;
      lastFileRingFull = 0;
      removeSource(fileSource);
      fileSource = null;
    }
  }

  @Override
  public void onClose() {
    RingFile file = ringFile;
    if (file != null && file.pathState() != RingFile.PathState.TRUNCATED) {
      file.bumpEpoch(ProcessHandle.current().pid(), 0);
    }
    failPendingRequest();
  }

  /**
   * Posts (or joins) a snapshot request; threadsafe. The future completes on the agent thread with
   * a snapshot that contains every event offered before this call.
   */
  CompletableFuture<MetricsSnapshot> requestSnapshot() {
    CompletableFuture<MetricsSnapshot> mine = new CompletableFuture<>();
    CompletableFuture<MetricsSnapshot> posted = snapshotRequest.compareAndExchange(null, mine);
    return posted == null ? mine : posted;
  }

  /** Fails a posted request; the agent calls it when it stops, close() again afterwards. */
  void failPendingRequest() {
    CompletableFuture<MetricsSnapshot> request = snapshotRequest.getAndSet(null);
    if (request != null) {
      request.completeExceptionally(new IllegalStateException("metrics ingest agent stopped"));
    }
  }

  private int drain() {
    int work = 0;
    for (Source source : sources) {
      int read;
      try {
        read = source.ring.read(source, READ_LIMIT);
      } catch (RuntimeException e) {
        // Only a ring whose bytes or positions were overwritten throws here; reading it again
        // would throw again on every duty cycle and starve every snapshot. Start it over.
        source.reset(e);
        continue;
      }
      work += read;
      if (read > 0) {
        counters.events(source.transport, read);
        if (source.file != null) {
          source.lastReadMs = System.currentTimeMillis();
        }
      }
      if (read == 0) {
        source.unblockIfStuck();
      } else {
        source.stuckSinceNs = 0;
      }
    }
    return work;
  }

  /** One ring and its handle map; the agent's handler for that ring. Agent thread only. */
  private final class Source implements MessageHandler {
    final Transport transport;
    final RingBuffer ring;
    final Long2LongHashMap handles = new Long2LongHashMap(MISSING);
    long stuckSinceNs;

    /** For a retired file source: its file, when it was retired and last gave records. */
    RingFile file;

    long retiredSinceMs;
    long lastReadMs;
    private Long2ObjectHashMap<LongArrayList> orphans;
    private long orphanCount;
    private long orphansHeld;
    private long orphansReplayed;
    private long orphanWindowEndMs;

    Source(Transport transport, RingBuffer ring) {
      this.transport = transport;
      this.ring = ring;
    }

    @Override
    public void onMessage(int typeId, MutableDirectBuffer buffer, int index, int length) {
      if (typeId == REGISTER_TYPE_ID || typeId == REGISTER_OWN_TYPE_ID) {
        register(buffer, index, length, typeId == REGISTER_OWN_TYPE_ID);
        return;
      }
      if (typeId == BUCKET_ADD_TYPE_ID) {
        bucketAdd(buffer, index, length);
        return;
      }
      if (length != EVENT_LENGTH
          || (typeId != HISTOGRAM_RECORD_TYPE_ID
              && typeId != COUNTER_ADD_TYPE_ID
              && typeId != GAUGE_SET_TYPE_ID)) {
        counters.drop(transport, DropReason.MALFORMED);
        return;
      }
      long handle = buffer.getLong(index + HANDLE_OFFSET);
      long slot = handles.get(handle);
      if (slot < 0) {
        if (slot != MISSING) {
          counters.drop(transport, DropReason.REFUSED_SERIES);
        } else if (!hold(handle, typeId, buffer.getLong(index + VALUE_OFFSET))) {
          counters.drop(transport, DropReason.UNKNOWN_SERIES);
        }
        return;
      }
      long value = buffer.getLong(index + VALUE_OFFSET);
      apply(typeId, slot, value);
    }

    /**
     * A bucket add is applied whole or dropped whole. Events of unknown handles are not held for
     * crash recovery (the in-process producer that writes them never outlives the agent).
     */
    private void bucketAdd(MutableDirectBuffer buffer, int index, int length) {
      if (length < BUCKET_DELTAS_OFFSET) {
        counters.drop(transport, DropReason.MALFORMED);
        return;
      }
      int n = buffer.getInt(index + BUCKET_LENGTH_OFFSET);
      if (n < 1 || n > MAX_BOUNDS + 1 || length != bucketAddLength(n)) {
        counters.drop(transport, DropReason.MALFORMED);
        return;
      }
      long slot = handles.get(buffer.getLong(index + HANDLE_OFFSET));
      if (slot < 0) {
        counters.drop(
            transport, slot == MISSING ? DropReason.UNKNOWN_SERIES : DropReason.REFUSED_SERIES);
        return;
      }
      if (!store.bucketAdd(
          (int) slot,
          buffer,
          index + BUCKET_DELTAS_OFFSET,
          n,
          buffer.getLong(index + BUCKET_COUNT_OFFSET),
          buffer.getDouble(index + BUCKET_SUM_OFFSET))) {
        counters.drop(transport, DropReason.INVALID_VALUE);
      }
    }

    private void apply(int typeId, long slot, long value) {
      boolean applied;
      switch (typeId) {
        case HISTOGRAM_RECORD_TYPE_ID:
          applied = store.histogramRecord((int) slot, value);
          break;
        case COUNTER_ADD_TYPE_ID:
          applied = store.counterAdd((int) slot, value);
          break;
        case GAUGE_SET_TYPE_ID:
          applied = store.gaugeSet((int) slot, Double.longBitsToDouble(value));
          break;
        default:
          applied = false;
          break;
      }
      if (!applied) {
        counters.drop(transport, DropReason.INVALID_VALUE);
      }
    }

    /**
     * A REGISTER, or a REGISTER_OWN: the coordinator's own series, honoured from the in-process
     * ring only, so that a record forged into the ring file is refused like a reserved name in a
     * REGISTER (and its events dropped as refused).
     */
    private void register(MutableDirectBuffer buffer, int index, int length, boolean own) {
      if (!decoder.wrap(buffer, index, length, own)) {
        counters.drop(transport, DropReason.MALFORMED);
        return;
      }
      int slot;
      if (!own) {
        slot =
            store.register(
                decoder.name, decoder.kind, decoder.unit, decoder.labelPairs, decoder.bounds);
      } else if (transport != Transport.IN_PROCESS) {
        slot = SeriesStore.REFUSED_INVALID;
      } else {
        slot =
            store.registerOwn(
                decoder.name,
                decoder.kind,
                decoder.unit,
                decoder.labelPairs,
                decoder.bounds,
                decoder.help,
                decoder.view == VIEW_INSTANCE);
      }
      if (slot < 0) {
        counters.refuse(RefusalReason.fromCode(slot));
        handles.put(decoder.handle, REFUSED);
      } else {
        handles.put(decoder.handle, slot);
        counters.series(store.size());
      }
      if (orphans != null) {
        replayOrphans(decoder.handle);
      }
    }

    /** Starts holding events of unknown handles until {@code endMs} (a reused file, at start). */
    void holdOrphansUntil(long endMs) {
      orphans = new Long2ObjectHashMap<>();
      orphanWindowEndMs = endMs;
    }

    /** Holds an event of an unknown handle while the window is open and there is room. */
    private boolean hold(long handle, int typeId, long value) {
      if (orphans == null || orphanCount >= ring.capacity() / SMALLEST_RECORD) {
        return false;
      }
      LongArrayList events = orphans.get(handle);
      if (events == null) {
        events = new LongArrayList();
        orphans.put(handle, events);
      }
      events.addLong(typeId);
      events.addLong(value);
      orphanCount++;
      orphansHeld++;
      return true;
    }

    /** Applies, in ring order, the held events of a handle that has just been registered. */
    private void replayOrphans(long handle) {
      LongArrayList events = orphans.remove(handle);
      if (events == null) {
        return;
      }
      long slot = handles.get(handle);
      int n = events.size() / 2;
      orphanCount -= n;
      orphansReplayed += n;
      if (slot < 0) {
        counters.drop(transport, DropReason.REFUSED_SERIES, n);
        return;
      }
      for (int i = 0; i < events.size(); i += 2) {
        apply((int) events.getLong(i), slot, events.getLong(i + 1));
      }
    }

    /** Closes the window: what is still held never got a registration. */
    void releaseOrphansAfterWindow(long nowMs) {
      if (orphans == null || nowMs < orphanWindowEndMs) {
        return;
      }
      if (orphanCount > 0) {
        counters.drop(transport, DropReason.UNKNOWN_SERIES, orphanCount);
      }
      LOG.log(
          System.Logger.Level.INFO,
          "ring file recovery window closed: held={0} replayed={1} dropped_unknown={2}",
          orphansHeld,
          orphansReplayed,
          orphanCount);
      orphans = null;
      orphanCount = 0;
    }

    /**
     * Empties an unreadable ring: zeroes its records and moves the consumer's head to the tail.
     * Records in it are lost and counted as one malformed drop; the file ring's epoch moves on so
     * that writers register their series again.
     */
    void reset(RuntimeException cause) {
      AtomicBuffer buffer = ring.buffer();
      int capacity = ring.capacity();
      long head = ring.consumerPosition();
      long tail = ring.producerPosition();
      buffer.setMemory(0, capacity, (byte) 0);
      buffer.putLongRelease(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET, tail);
      stuckSinceNs = 0;
      RingFile current = ringFile;
      if (transport == Transport.FILE && current != null && file == null) {
        // Registrations in the emptied records are gone: a new epoch makes every writer
        // re-register before its next event (the producer protocol of RingFileDescriptor).
        current.bumpEpoch(ProcessHandle.current().pid(), System.currentTimeMillis());
      }
      counters.ringReset();
      counters.drop(transport, DropReason.MALFORMED);
      LOG.log(
          System.Logger.Level.WARNING,
          "ring unreadable, emptied: transport={0} head={1} tail={2} cause={3}",
          transport.label(),
          head,
          tail,
          String.valueOf(cause));
    }

    /**
     * A producer that died between claiming and committing a record blocks the ring for good;
     * Agrona's {@code unblock()} skips such a record once it has been stuck for a second.
     */
    void unblockIfStuck() {
      if (ring.producerPosition() == ring.consumerPosition()) {
        stuckSinceNs = 0;
        return;
      }
      long now = System.nanoTime();
      if (stuckSinceNs == 0) {
        stuckSinceNs = now;
      } else if (now - stuckSinceNs > UNBLOCK_AFTER_NS && ring.unblock()) {
        counters.ringUnblocked();
        stuckSinceNs = 0;
      }
    }
  }
}
