package io.mscoordinator.dataplane;

import io.helidon.webserver.CloseConnectionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Logger;

/**
 * Where a streamed answer is relayed: on a platform thread of the data plane's own, blocked in its
 * read of the instance's socket, while the request's virtual thread waits for it to end.
 *
 * <p>Why: a streamed answer is many small chunks spread over seconds. Relayed on the request's
 * virtual thread, every chunk costs a park and an unpark through the JDK's poller and the wake-up
 * of a carrier thread: 4.4 context switches and ~120 µs of CPU per chunk at 100 streams on these
 * 2-core machines, most of it in the kernel. A platform thread blocked in its read wakes once per
 * chunk: 1.5 context switches and ~65 µs (perf/RESULTS.md, "Data plane: streams relayed on platform
 * threads"). A non-streamed answer is one read or a few and stays on the request's thread, where
 * the hand-off would cost more than it saves.
 *
 * <p>The threads are cached: one per stream relayed on one now, kept a minute when idle, created as
 * streams open. At most {@link #MAX_THREADS} streams are relayed on them at once, the rest on their
 * request's thread: a platform thread costs ~100 KB resident (its stack's touched pages and the
 * JDK's per-thread I/O buffers) against a virtual thread's few KB, so that ten thousand open
 * streams do not cost a gigabyte of stacks or reach the system's thread limit. Their stacks are
 * small (the relay loop is shallow). When the system refuses another thread (its thread or pid
 * limit), a stream is relayed on its request's thread instead, with a warning logged once. Lab
 * switch, not configuration: env {@code MS_COORDINATOR_STREAM_RELAY=virtual} relays on the
 * request's thread, so {@code perf/run serve} can compare the two with everything else the same.
 *
 * <p>Threadsafe.
 */
final class StreamRelays implements AutoCloseable {
  /** Reserved stack per relay thread; only the pages the loop touches are resident. */
  private static final long STACK_BYTES = 256 * 1024;

  private static final Logger LOG = Logger.getLogger(StreamRelays.class.getName());

  /** Streams relayed on platform threads at once, at most; the rest on their request's thread. */
  static final int MAX_THREADS = 1024;

  private final ExecutorService threads;
  private final Semaphore free;
  private volatile boolean refusedLogged;

  private StreamRelays(ExecutorService threads, int max) {
    this.threads = threads;
    this.free = new Semaphore(max);
  }

  /** Relays on at most {@link #MAX_THREADS} platform threads named {@code dataplane-relay-N}. */
  static StreamRelays platform() {
    return platform(
        Thread.ofPlatform().daemon().stackSize(STACK_BYTES).name("dataplane-relay-", 0).factory(),
        MAX_THREADS);
  }

  /** Relays on at most {@code max} platform threads from {@code factory}; for tests. */
  static StreamRelays platform(ThreadFactory factory, int max) {
    return new StreamRelays(Executors.newCachedThreadPool(factory), max);
  }

  /** Relays on the calling thread. */
  static StreamRelays inline() {
    return new StreamRelays(null, 0);
  }

  /** The relays the environment asks for: platform threads unless the lab switch says virtual. */
  static StreamRelays chosen() {
    return "virtual".equals(System.getenv("MS_COORDINATOR_STREAM_RELAY")) ? inline() : platform();
  }

  /**
   * Runs {@code relay} to its end and returns after it, rethrowing what it threw. Interrupted while
   * it runs (the server is stopping), this runs {@code cancel}, which must make the relay end soon
   * (abort its call), still waits for the relay, since the request's answer must not be written
   * after its handler returned, and ends the connection.
   */
  void run(Runnable relay, Runnable cancel) {
    if (threads == null || !free.tryAcquire()) {
      relay.run();
      return;
    }
    FutureTask<Void> task =
        new FutureTask<>(
            () -> {
              try {
                relay.run();
              } finally {
                free.release();
              }
            },
            null);
    try {
      threads.execute(task);
    } catch (RejectedExecutionException | OutOfMemoryError e) {
      free.release();
      // closing, or the system refuses another thread (its thread or pid limit): relay here
      // rather than drop the answer
      if (e instanceof OutOfMemoryError && !refusedLogged) {
        refusedLogged = true;
        LOG.warning(
            "no thread for a stream relay, relaying on request threads while refused: reason="
                + e.getMessage());
      }
      relay.run();
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        task.get();
        break;
      } catch (InterruptedException e) {
        if (!interrupted) {
          interrupted = true;
          cancel.run();
        }
      } catch (ExecutionException e) {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException("relay failed", e.getCause());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new CloseConnectionException("stopping");
    }
  }

  /** Lets running relays finish; threads idle now end. */
  @Override
  public void close() {
    if (threads != null) {
      threads.shutdown();
    }
  }
}
