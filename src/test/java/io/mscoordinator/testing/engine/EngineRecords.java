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
 * {@code stopInfer} ids, the requests being answered now and the connections; as a prefill engine
 * its hand-offs, as a decode engine its {@code /dresult} links and what it wrote on each.
 * Threadsafe: the connection threads write under this object's monitor and wake waiters; tests read
 * snapshots (immutable lists) from any thread and wait with the {@code await*} methods, which never
 * sleep.
 */
public final class EngineRecords {
  private final List<SeenRequest> requests = new ArrayList<>();
  private final List<WrittenAnswer> answers = new ArrayList<>();
  private final List<String> stopInfers = new ArrayList<>();
  private final Map<Long, SeenRequest> running = new LinkedHashMap<>();
  private final List<PrefillHandoff> handoffs = new ArrayList<>();
  private final Map<Long, Link> links = new LinkedHashMap<>();
  private long dresultDropped;
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

  /** A prefill engine's hand-offs to D, in the order they ended. */
  public synchronized List<PrefillHandoff> handoffs() {
    return List.copyOf(handoffs);
  }

  /** A decode engine's {@code /dresult} links, in the order they opened, with their messages. */
  public synchronized List<DresultLink> dresultLinks() {
    return links.values().stream().map(Link::snapshot).toList();
  }

  /** Link {@code number}. */
  public synchronized DresultLink dresultLink(long number) {
    Link l = links.get(number);
    if (l == null) {
      throw new IllegalArgumentException("no such dresult link: number=" + number + " " + this);
    }
    return l.snapshot();
  }

  /** The messages a decode engine dropped because {@link DresultOutbox#BOUND} were waiting. */
  public synchronized long dresultDropped() {
    return dresultDropped;
  }

  /** Waits until {@code n} hand-offs ended; returns them. */
  public List<PrefillHandoff> awaitHandoffs(int n, Duration within) throws InterruptedException {
    await(r -> r.handoffs.size() >= n, within, "handoffs=" + n);
    return handoffs();
  }

  /**
   * Waits until link {@code number} has written a message of {@code reqId} that starts with {@code
   * reqId:<reqId>\0<keyword>:}; returns the link.
   */
  public DresultLink awaitDresult(long number, String reqId, String keyword, Duration within)
      throws InterruptedException {
    String prefix = "reqId:" + reqId + "\0" + keyword + ":";
    await(
        r -> {
          Link l = r.links.get(number);
          return l != null && l.texts().stream().anyMatch(t -> t.startsWith(prefix));
        },
        within,
        "dresult link=" + number + " reqId=" + reqId + " keyword=" + keyword);
    return dresultLink(number);
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

  /**
   * Forgets the requests, answers, stopInfer ids, hand-offs, ended links, the messages of open
   * links, the dropped and the accepted counts; live state stays.
   */
  public synchronized void reset() {
    requests.clear();
    answers.clear();
    stopInfers.clear();
    handoffs.clear();
    links.values().removeIf(l -> l.end != DresultLink.End.OPEN);
    links.values().forEach(l -> l.messages.clear());
    dresultDropped = 0;
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
        + " handoffs="
        + handoffs.size()
        + " dresultLinks="
        + links.values().stream().map(Link::snapshot).toList()
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

  synchronized void handoff(PrefillHandoff h) {
    handoffs.add(h);
    notifyAll();
  }

  synchronized void linkOpened(long number, long connection) {
    links.put(number, new Link(number, connection));
    notifyAll();
  }

  synchronized void linkMessage(long number, byte[] message) {
    Link l = links.get(number);
    if (recording && l != null) {
      l.messages.add(message);
      notifyAll();
    }
  }

  /** Sets how link {@code number} ended, the first time only. */
  synchronized void linkEnded(long number, DresultLink.End end) {
    Link l = links.get(number);
    if (l != null && l.end == DresultLink.End.OPEN) {
      l.end = end;
      notifyAll();
    }
  }

  synchronized void countDresultDropped() {
    dresultDropped++;
  }

  /** A link's record while it grows; guarded by the records' monitor. */
  private static final class Link {
    final long number;
    final long connection;
    final List<byte[]> messages = new ArrayList<>();
    DresultLink.End end = DresultLink.End.OPEN;

    Link(long number, long connection) {
      this.number = number;
      this.connection = connection;
    }

    DresultLink snapshot() {
      return new DresultLink(number, connection, List.copyOf(messages), end);
    }

    List<String> texts() {
      return snapshot().texts();
    }
  }
}
