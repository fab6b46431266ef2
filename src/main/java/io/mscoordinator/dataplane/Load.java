package io.mscoordinator.dataplane;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance's load as the data plane counts it: the requests it was given and has not finished,
 * and its consecutive failed requests. Threadsafe (atomics); every request thread updates it.
 */
final class Load {
  private final long instanceId;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean excluded = new AtomicBoolean();

  Load(long instanceId) {
    this.instanceId = instanceId;
  }

  long instanceId() {
    return instanceId;
  }

  int inFlight() {
    return inFlight.get();
  }

  /** Takes one slot if fewer than {@code capacity} are taken. */
  boolean tryAcquire(int capacity) {
    while (true) {
      int n = inFlight.get();
      if (n >= capacity) {
        return false;
      }
      if (inFlight.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void release() {
    inFlight.decrementAndGet();
  }

  /** Whether the instance is out of scheduling after repeated failures. */
  boolean excluded() {
    return excluded.get();
  }

  /** A request to the instance failed; true when this failure took it out of scheduling. */
  boolean failed(int threshold) {
    return failures.incrementAndGet() >= threshold && excluded.compareAndSet(false, true);
  }

  /** A request succeeded or a probe answered: the instance is schedulable again. */
  boolean succeeded() {
    failures.set(0);
    return excluded.compareAndSet(true, false);
  }
}
