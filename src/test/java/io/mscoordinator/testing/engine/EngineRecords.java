package io.mscoordinator.testing.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a fake engine saw and wrote, for tests: every request, every answer's exact body bytes, the
 * {@code stopInfer} ids, the requests being answered now and the connections. Threadsafe: the
 * connection threads write under this object's monitor and wake waiters; tests read snapshots
 * (immutable lists) from any thread and wait with the {@code await*} methods, which never sleep.
 */
public final class EngineRecords {
  private final List<SeenRequest> requests = new ArrayList<>();
  private final List<WrittenAnswer> answers = new ArrayList<>();
  private final List<String> stopInfers = new ArrayList<>();
  private final Map<Long, SeenRequest> running = new LinkedHashMap<>();
  private int connectionsOpen;
  private long connectionsAccepted;
  private boolean recording = true;

  EngineRecords() {}

  /** Every request read since the start or the last {@link #reset()}, in arrival order. */
  public synchronized List<SeenRequest> requests() {
    return List.copyOf(requests);
  }

  /** The requests to {@code path} (without query), in arrival order. */
  public synchronized List<SeenRequest> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  /** Every answer that ended (completely or cut), in the order they ended. */
  public synchronized List<WrittenAnswer> answers() {
    return List.copyOf(answers);
  }

  /** The answer to {@code request}, once it ended. */
  public synchronized Optional<WrittenAnswer> answerTo(SeenRequest request) {
    return answers.stream().filter(a -> a.request().sequence() == request.sequence()).findFirst();
  }

  /** The ids of every {@code stopInfer} received, in arrival order. */
  public synchronized List<String> stopInfers() {
    return List.copyOf(stopInfers);
  }

  /** The requests being answered now (read, answer not ended), faulted ones included. */
  public synchronized List<SeenRequest> running() {
    return List.copyOf(running.values());
  }

  public synchronized int connectionsOpen() {
    return connectionsOpen;
  }

  public synchronized long connectionsAccepted() {
    return connectionsAccepted;
  }

  /** Waits until {@code n} requests were read; returns them, or fails with what was seen. */
  public List<SeenRequest> awaitRequests(int n, Duration within) throws InterruptedException {
    await(r -> r.requests.size() >= n, within, "requests=" + n);
    return requests();
  }

  /** Waits until {@code n} answers ended; returns them, or fails with what was seen. */
  public List<WrittenAnswer> awaitAnswers(int n, Duration within) throws InterruptedException {
    await(r -> r.answers.size() >= n, within, "answers=" + n);
    return answers();
  }

  /** Waits until {@code n} stopInfer ids were received; returns them. */
  public List<String> awaitStopInfers(int n, Duration within) throws InterruptedException {
    await(r -> r.stopInfers.size() >= n, within, "stopInfers=" + n);
    return stopInfers();
  }

  /** Waits until exactly {@code n} connections are open. */
  public void awaitConnectionsOpen(int n, Duration within) throws InterruptedException {
    await(r -> r.connectionsOpen == n, within, "connectionsOpen=" + n);
  }

  /** Waits until exactly {@code n} requests are being answered. */
  public void awaitRunning(int n, Duration within) throws InterruptedException {
    await(r -> r.running.size() == n, within, "running=" + n);
  }

  /**
   * Waits until {@code condition} holds on these records (checked under their monitor, so it must
   * not block), or fails with an {@link AssertionError} naming {@code what} and the records.
   */
  public synchronized void await(Predicate<EngineRecords> condition, Duration within, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.test(this)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "fake engine: timed out waiting for " + what + " within=" + within + " " + this);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /**
   * Keeps (the default) or drops the requests and answers from now on. Off, {@link #requests()} and
   * {@link #answers()} stop growing, so a long load run (the perf lab) does not hold every body in
   * memory; {@link #running()}, the stopInfer ids and the connection counts go on.
   */
  public synchronized void recording(boolean on) {
    recording = on;
  }

  /** Forgets the requests, answers, stopInfer ids and the accepted count; live state stays. */
  public synchronized void reset() {
    requests.clear();
    answers.clear();
    stopInfers.clear();
    connectionsAccepted = 0;
    notifyAll();
  }

  @Override
  public synchronized String toString() {
    return "records[requests="
        + requests.size()
        + " answers="
        + answers.size()
        + " stopInfers="
        + stopInfers
        + " running="
        + running.size()
        + " connectionsOpen="
        + connectionsOpen
        + " connectionsAccepted="
        + connectionsAccepted
        + "]";
  }

  synchronized void request(SeenRequest r) {
    if (recording) {
      requests.add(r);
    }
    running.put(r.sequence(), r);
    notifyAll();
  }

  synchronized void answer(WrittenAnswer a) {
    if (recording) {
      answers.add(a);
    }
    running.remove(a.request().sequence());
    notifyAll();
  }

  synchronized void stopInfer(String id) {
    stopInfers.add(id);
    notifyAll();
  }

  synchronized void connectionOpened() {
    connectionsOpen++;
    connectionsAccepted++;
    notifyAll();
  }

  synchronized void connectionClosed() {
    connectionsOpen--;
    notifyAll();
  }
}
