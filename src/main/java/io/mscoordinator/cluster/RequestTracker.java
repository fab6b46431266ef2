package io.mscoordinator.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what the coordinator's data plane does: inference requests received (for {@code
 * /recvs_info}) and the tasks running between a prefill and a decode instance (for {@code
 * /v1/instances/query_tasks}).
 *
 * <p>Threadsafe: any request thread may begin or end tasks while the controller reads.
 */
public final class RequestTracker {
  private final AtomicLong received = new AtomicLong();
  private final ConcurrentHashMap<Pair, AtomicLong> running = new ConcurrentHashMap<>();

  private record Pair(long prefillId, long decodeId) {}

  /** A task in flight; {@link #close()} ends it once, however often it is called. */
  public final class Task implements AutoCloseable {
    private final Pair pair;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Task(Pair pair) {
      this.pair = pair;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        running.computeIfPresent(pair, (p, count) -> count.decrementAndGet() == 0 ? null : count);
      }
    }
  }

  /** Counts one inference request received. */
  public void requestReceived() {
    received.incrementAndGet();
  }

  /** The requests received since the previous call, resetting the count in the same step. */
  public long takeReceived() {
    return received.getAndSet(0);
  }

  /** Starts a task between a prefill and a decode instance. */
  public Task begin(long prefillId, long decodeId) {
    Pair pair = new Pair(prefillId, decodeId);
    running.compute(
        pair,
        (p, count) -> {
          AtomicLong c = count == null ? new AtomicLong() : count;
          c.incrementAndGet();
          return c;
        });
    return new Task(pair);
  }

  /** Whether any task still runs between the two instances. */
  public boolean anyRunning(long prefillId, long decodeId) {
    AtomicLong count = running.get(new Pair(prefillId, decodeId));
    return count != null && count.get() > 0;
  }
}
