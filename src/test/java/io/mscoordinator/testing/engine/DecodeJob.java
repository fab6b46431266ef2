package io.mscoordinator.testing.engine;

import io.mscoordinator.testing.engine.Plan.Generation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A decode engine's work on one hand-off: the answer's tokens from {@link Handoff#next()} on, one
 * every inter-token delay of P's timing, each offered to the {@link DresultOutbox} as the piece the
 * single-node engine would have written (stream: the token's SSE event, and the closing events with
 * the last; non-stream: only the whole JSON answer, as {@code lastData}). A decode fault changes
 * what is offered (see {@link Fault}); a {@code stopInfer} for the id ends it without another
 * message. Holds a capacity slot while it runs. Confined to its own virtual thread.
 */
final class DecodeJob implements Runnable {
  private static final byte[] ERROR = "fake decode error".getBytes(StandardCharsets.UTF_8);

  private final FakeEngine engine;
  private final Handoff handoff;
  private final Generation generation;
  private final Fault fault;
  private int produced;

  DecodeJob(FakeEngine engine, Handoff handoff, Generation generation, Fault fault) {
    this.engine = engine;
    this.handoff = handoff;
    this.generation = generation;
    this.fault = fault;
  }

  @Override
  public void run() {
    String id = handoff.reqId();
    if (fault == Fault.DECODE_RETRY_ONCE && !handoff.recompute() && engine.firstRetry(id)) {
      offer("retry", handoff.body().getBytes(StandardCharsets.UTF_8), false);
      return;
    }
    CountDownLatch stop = new CountDownLatch(1);
    engine.registerStop(id, stop);
    EngineLoad load = engine.load();
    load.received();
    long start = System.nanoTime();
    boolean entered = false;
    boolean ok = false;
    try {
      load.enter();
      entered = true;
      ok = decode(stop);
    } catch (InterruptedException e) {
      // the engine is closing
    } finally {
      if (entered) {
        load.leave();
      }
      load.finished(generation.promptTokens, produced, ok, System.nanoTime() - start);
      engine.unregisterStop(id, stop);
    }
  }

  /** Offers the pieces; returns whether the answer went out whole (not stopped, not faulted). */
  private boolean decode(CountDownLatch stop) throws InterruptedException {
    Generation g = generation;
    for (int i = handoff.next(); i < g.outputTokens; i++) {
      if (pause(stop)) {
        return false;
      }
      boolean last = i == g.outputTokens - 1;
      if (g.stream) {
        byte[] piece = last ? join(g.token(i, true), g.close(g.outputTokens)) : g.token(i, false);
        if (!send(piece, last, i == handoff.next())) {
          return false;
        }
      }
      produced++;
    }
    return g.stream || send(g.whole(), true, true);
  }

  /**
   * Offers one piece as {@code data} (or {@code lastData}); returns false when the fault put
   * something else in its place, which ends the job.
   */
  private boolean send(byte[] piece, boolean last, boolean first) {
    if (fault == Fault.DECODE_ERROR && (!first || last)) {
      offer("error", ERROR, false);
      return false;
    }
    if (fault == Fault.DECODE_DROP_LINK && first) {
      if (last) {
        engine.outbox().offer(new DresultOutbox.Message(handoff.reqId(), null, true));
      } else {
        offer("data", piece, true);
      }
      return false;
    }
    offer(last ? "lastData" : "data", piece, false);
    return true;
  }

  private void offer(String keyword, byte[] payload, boolean dropAfter) {
    engine
        .outbox()
        .offer(
            new DresultOutbox.Message(
                handoff.reqId(),
                DresultOutbox.message(handoff.reqId(), keyword, payload),
                dropAfter));
  }

  /** One inter-token delay of P's timing; returns whether a stopInfer came. */
  private boolean pause(CountDownLatch stop) throws InterruptedException {
    long nanos = engine.jittered(handoff.interTokenNanos());
    return nanos <= 0 ? stop.getCount() == 0 : stop.await(nanos, TimeUnit.NANOSECONDS);
  }

  private static byte[] join(byte[] first, Iterable<byte[]> rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(first);
    rest.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
