package io.mscoordinator.dataplane;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The time every timeout of the data plane reads: the request's arrival, its deadlines, and the
 * actions that fire when one passes (abort a call, wake a waiting request, probe an instance).
 * Tests give a clock they advance by hand, so that a timeout is tested without waiting for it.
 *
 * <p>Threadsafe. Actions run on the clock's own thread (the system clock's {@code
 * dataplane-timeouts}); they must be short and never block.
 */
public interface Clock extends AutoCloseable {
  /** Now, in the unit and origin of {@link System#nanoTime()}. */
  long nanoTime();

  /**
   * Runs {@code action} once, {@code delayNanos} from now, unless cancelled first.
   *
   * @return cancels the action; harmless after it ran
   */
  Cancel schedule(long delayNanos, Runnable action);

  /** Stops the clock's thread; actions not yet run never run. */
  @Override
  void close();

  /** Cancels a scheduled action. */
  @FunctionalInterface
  interface Cancel {
    Cancel NONE = () -> {};

    void cancel();
  }

  /** The real clock: {@link System#nanoTime()} and one daemon timer thread. */
  static Clock system() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "dataplane-timeouts");
              t.setDaemon(true);
              return t;
            });
    // a request that finishes cancels its deadlines: they must not pile up until they expire
    timer.setRemoveOnCancelPolicy(true);
    return new Clock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Cancel schedule(long delayNanos, Runnable action) {
        try {
          ScheduledFuture<?> f = timer.schedule(action, delayNanos, TimeUnit.NANOSECONDS);
          return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
          // stopping: the listeners are closed, what is still in flight ends with them
          return Cancel.NONE;
        }
      }

      @Override
      public void close() {
        timer.shutdownNow();
      }
    };
  }
}
