package io.mscoordinator.testing.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A decode engine's side of {@code GET /dresult} (data-plane.md section 5): which link is the open
 * one, and the messages waiting to go out on it. A message goes to exactly one link, in the order
 * the messages were offered; while no link is open they wait, at most {@link #BOUND} of them (later
 * ones are dropped and counted in the records). Opening a link makes the older one {@link #EVICTED}
 * at its next take, so that it never takes another message.
 *
 * <p>Threadsafe: decode jobs offer and link threads open, take and end under this object's monitor.
 */
final class DresultOutbox {
  /** The most messages that wait for a link. */
  static final int BOUND = 10_000;

  /** {@code ka:heartbeat\0}, without a reqId. */
  static final byte[] HEARTBEAT = "ka:heartbeat\0".getBytes(StandardCharsets.US_ASCII);

  /** What an evicted link writes last: another coordinator took the link. */
  static final byte[] CLOSE =
      "reqId:0xffffffffffffffff\0close:new link\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * One message for the link, or (with {@code bytes} null) only the order to drop it.
   *
   * @param reqId the request it belongs to
   * @param bytes the whole message, {@code reqId:<id>\0<keyword>:<payload>\0}; null for none
   * @param dropAfter close the link's connection abruptly once {@code bytes} are written
   */
  record Message(String reqId, byte[] bytes, boolean dropAfter) {}

  /** What {@link #take} answers to a link that is no longer the open one. */
  static final Message EVICTED = new Message("", new byte[0], false);

  private final EngineRecords records;
  private final ArrayDeque<Message> waiting = new ArrayDeque<>();
  private long links;
  private long open = -1;

  DresultOutbox(EngineRecords records) {
    this.records = records;
  }

  /** {@code reqId:<id>\0<keyword>:<payload>\0}. */
  static byte[] message(String reqId, String keyword, byte[] payload) {
    ByteArrayOutputStream m = new ByteArrayOutputStream(payload.length + reqId.length() + 24);
    m.writeBytes(("reqId:" + reqId + "\0" + keyword + ":").getBytes(StandardCharsets.UTF_8));
    m.writeBytes(payload);
    m.write(0);
    return m.toByteArray();
  }

  /** Queues a message; false when {@link #BOUND} are already waiting (the message is dropped). */
  synchronized boolean offer(Message m) {
    if (waiting.size() >= BOUND) {
      records.countDresultDropped();
      return false;
    }
    waiting.add(m);
    notifyAll();
    return true;
  }

  /** Makes a new link the open one, evicting the older; returns the new link's number. */
  synchronized long open() {
    open = links++;
    notifyAll();
    return open;
  }

  /** The link ended; when it was the open one, messages wait for the next. */
  synchronized void ended(long link) {
    if (open == link) {
      open = -1;
    }
  }

  /**
   * The next message for {@code link}: {@link #EVICTED} when another link is the open one, null
   * when {@code deadlineNanos} ({@link System#nanoTime()}) came first.
   */
  synchronized Message take(long link, long deadlineNanos) throws InterruptedException {
    while (true) {
      if (open != link) {
        return EVICTED;
      }
      Message m = waiting.poll();
      if (m != null) {
        return m;
      }
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** The messages waiting now. */
  synchronized int waiting() {
    return waiting.size();
  }
}
