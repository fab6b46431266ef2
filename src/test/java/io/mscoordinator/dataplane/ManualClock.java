package io.mscoordinator.dataplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Clock} for tests: time moves only when {@link #advance} says so, and the actions whose
 * time has come then run on the advancing thread, in time order. Threadsafe.
 */
public final class ManualClock implements Clock {
  private long now = 1_000_000_000L;
  private final List<Entry> scheduled = new ArrayList<>();

  private static final class Entry {
    final long at;
    final Runnable action;
    boolean cancelled;

    Entry(long at, Runnable action) {
      this.at = at;
      this.action = action;
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancel schedule(long delayNanos, Runnable action) {
    Entry e = new Entry(now + delayNanos, action);
    scheduled.add(e);
    return () -> {
      synchronized (ManualClock.this) {
        e.cancelled = true;
      }
    };
  }

  /** Actions scheduled and neither run nor cancelled. */
  public synchronized int pending() {
    int n = 0;
    for (Entry e : scheduled) {
      n += e.cancelled ? 0 : 1;
    }
    return n;
  }

  /** Moves time on by {@code d} and runs every action due by then. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Entry next = null;
      synchronized (this) {
        for (Entry e : scheduled) {
          if (!e.cancelled && e.at <= target && (next == null || e.at < next.at)) {
            next = e;
          }
        }
        if (next == null) {
          now = target;
          scheduled.removeIf(e -> e.cancelled);
          return;
        }
        now = Math.max(now, next.at);
        next.cancelled = true;
      }
      next.action.run();
    }
  }

  @Override
  public void close() {}
}
