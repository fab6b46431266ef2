package io.mscoordinator.dataplane;

import io.mscoordinator.client.Call;
import io.mscoordinator.client.CallException;
import io.mscoordinator.client.CallLimits;
import io.mscoordinator.client.Destination;
import io.mscoordinator.client.DestinationKind;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.client.Request;
import io.mscoordinator.client.Response;
import io.mscoordinator.cluster.Instance;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * The coordinator's end of one decode instance's {@code GET /dresult} stream (data-plane.md section
 * 5): opened when the link is created, kept open, read as it arrives, and each message given to the
 * request it names through that request's {@link Inbox}. Re-opened after a failure; after {@code
 * maxRetry} failures in a row the instance is reported down (not to be scheduled) until a re-open
 * succeeds. {@link #SILENCE} without a byte (D sends a heartbeat at least every 5 s) counts as a
 * failure. A failure or a close of the link fails every request waiting on it at once, with {@link
 * Inbox#LINK_DOWN}: never a hang. A {@code close:} message (another coordinator took the link) ends
 * the link for good.
 *
 * <p>Threadsafe. The link's own platform thread ({@code dresult-<id>}) reads the stream and puts
 * into the inboxes; request threads open, read and close their inboxes; the clock's thread checks
 * for silence and aborts the call.
 */
final class DecodeLink implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DecodeLink.class.getName());

  /** How long a link may stay silent before it counts as failed. */
  static final Duration SILENCE = Duration.ofSeconds(30);

  /** How often the link is checked for silence. */
  static final Duration SILENCE_CHECK = Duration.ofSeconds(5);

  /** The pause before a failed link is opened again. */
  static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  /** What the link tells its owner about the instance it reads. */
  interface Health {
    /** The link is open: the instance may be scheduled. */
    void up(Instance instance);

    /** The link failed {@code maxRetry} times in a row, or ended: do not schedule the instance. */
    void down(Instance instance);
  }

  /** What one request receives from its decode instance, in order. */
  static final class Inbox implements AutoCloseable {
    /** The link failed or closed: nothing more comes for this request. */
    static final Piece LINK_DOWN = new Piece(null, new byte[0]);

    /** One message: its kind and a copy of its payload; {@link #LINK_DOWN} has no kind. */
    record Piece(DresultParser.Kind kind, byte[] payload) {}

    private final DecodeLink link;
    private final String reqId;
    private final BlockingQueue<Piece> pieces = new LinkedBlockingQueue<>();

    private Inbox(DecodeLink link, String reqId) {
      this.link = link;
      this.reqId = reqId;
    }

    /** The next piece, waiting at most {@code nanos}; null when none came in time. */
    Piece poll(long nanos) throws InterruptedException {
      return pieces.poll(nanos, TimeUnit.NANOSECONDS);
    }

    /** Wakes the waiting request with {@code piece} (a timeout's own signal, say). */
    void wake(Piece piece) {
      pieces.add(piece);
    }

    /** The request is done with its decode instance: later messages for its id are ignored. */
    @Override
    public void close() {
      link.inboxes.remove(reqId, this);
    }
  }

  private final Instance instance;
  private final OutboundClient client;
  private final Clock clock;
  private final Health health;
  private final int maxRetry;
  private final int maxMessageBytes;
  private final Destination destination;
  private final Map<String, Inbox> inboxes = new ConcurrentHashMap<>();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder ignored = new LongAdder();
  private final Thread thread;

  private volatile boolean closed;
  private volatile boolean up;
  private volatile Call call;
  private volatile long lastByte;
  private volatile int opens;

  /**
   * Starts the link's thread, which opens the link at once.
   *
   * @param maxRetry failures in a row after which the instance is reported down
   * @param maxMessageBytes the longest message kept; a longer one is dropped
   */
  DecodeLink(
      Instance instance,
      OutboundClient client,
      Clock clock,
      Health health,
      int maxRetry,
      int maxMessageBytes) {
    this.instance = instance;
    this.client = client;
    this.clock = clock;
    this.health = health;
    this.maxRetry = Math.max(1, maxRetry);
    this.maxMessageBytes = maxMessageBytes;
    this.destination = client.destination(DestinationKind.INSTANCE, instance.ip(), instance.port());
    this.thread =
        Thread.ofPlatform().daemon().name("dresult-" + instance.idText()).start(this::run);
  }

  /**
   * Opens the inbox of {@code reqId} on this link, before the request goes to P, so that D's early
   * messages are kept for it. A link that is down gives an inbox that holds {@link Inbox#LINK_DOWN}
   * at once.
   */
  Inbox open(String reqId) {
    Inbox inbox = new Inbox(this, reqId);
    inboxes.put(reqId, inbox);
    if (!up || closed) {
      inbox.wake(Inbox.LINK_DOWN);
    }
    return inbox;
  }

  /** Whether the link is open now. */
  boolean up() {
    return up;
  }

  /** The instance this link reads. */
  Instance instance() {
    return instance;
  }

  /** Messages dropped as malformed so far. */
  long dropped() {
    return dropped.sum();
  }

  /** Messages for no open inbox (unknown or finished requests) so far. */
  long ignored() {
    return ignored.sum();
  }

  /** Times the link was opened (a {@code 200} to its {@code GET}) so far. */
  int opens() {
    return opens;
  }

  /** Requests waiting on this link now. */
  int waiting() {
    return inboxes.size();
  }

  /** Ends the link: its call is aborted, its waiting requests get {@link Inbox#LINK_DOWN}. */
  @Override
  public void close() {
    closed = true;
    Call c = call;
    if (c != null) {
      c.abort();
    }
    LockSupport.unpark(thread);
  }

  /** Waits for the link's thread to end after {@link #close()}; for tests and orderly stops. */
  boolean awaitClosed(Duration within) throws InterruptedException {
    return thread.join(within);
  }

  // ------------------------------------------------------------------ the link's thread

  /** How one opening of the link ended. */
  private enum Ended {
    /** No {@code 200}: refused, unreachable, or not an answer. */
    NOT_OPENED,
    /** Open, then failed, silent, or ended by D. */
    DROPPED,
    /** Another coordinator took it ({@code close:}). */
    TAKEN
  }

  private void run() {
    int failures = 0;
    boolean reportedDown = false;
    while (!closed) {
      Ended ended = readOnce();
      failAll();
      if (closed || ended == Ended.TAKEN) {
        break;
      }
      if (ended == Ended.DROPPED) {
        // it was up: a new run of failures begins with this one
        failures = 0;
        reportedDown = false;
      }
      failures++;
      if (failures >= maxRetry && !reportedDown) {
        reportedDown = true;
        health.down(instance);
      }
      pause(RETRY_PAUSE);
    }
    up = false;
    failAll();
    if (!closed) {
      // taken by another coordinator; a link its owner closed is not news
      health.down(instance);
    }
  }

  /** Opens the link and reads it until it fails or closes. */
  private Ended readOnce() {
    Call c =
        client.call(
            destination,
            Request.get("/dresult").build(),
            new CallLimits(SILENCE, SILENCE, Duration.ofDays(365), Integer.MAX_VALUE));
    call = c;
    if (closed) {
      c.abort();
      return Ended.NOT_OPENED;
    }
    lastByte = clock.nanoTime();
    SilenceWatch watch = new SilenceWatch(c);
    Router router = new Router();
    boolean opened = false;
    Response response = null;
    try {
      response = c.execute();
      if (response.status() != 200) {
        int status = response.status();
        LOG.fine(() -> "dresult refused: id=" + instance.idText() + " status=" + status);
        return Ended.NOT_OPENED;
      }
      response.endless();
      opened = true;
      opens++;
      up = true;
      health.up(instance);
      DresultParser parser = new DresultParser(maxMessageBytes, router);
      while (!router.taken) {
        int n = response.lend();
        if (n < 0) {
          return Ended.DROPPED;
        }
        lastByte = clock.nanoTime();
        parser.feed(response.lentArray(), response.lentOffset(), n);
      }
      return Ended.TAKEN;
    } catch (CallException e) {
      LOG.fine(() -> "dresult failed: id=" + instance.idText() + " reason=" + e.getMessage());
      return opened ? Ended.DROPPED : Ended.NOT_OPENED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
      return opened ? Ended.DROPPED : Ended.NOT_OPENED;
    } finally {
      up = false;
      watch.cancel();
      // the link's connection is never reused: abort first, so that closing the response does not
      // try to drain an endless stream
      c.abort();
      if (response != null) {
        response.close();
      }
      call = null;
    }
  }

  /**
   * Aborts its call once the link has been silent for {@link #SILENCE}, looking every {@link
   * #SILENCE_CHECK} on the clock until cancelled. Runs on the clock's thread; cancelled by the
   * link's.
   */
  private final class SilenceWatch implements Runnable {
    private final Call c;
    // guarded by this
    private Clock.Cancel next = Clock.Cancel.NONE;
    private boolean cancelled;

    SilenceWatch(Call c) {
      this.c = c;
      schedule();
    }

    @Override
    public void run() {
      if (clock.nanoTime() - lastByte >= SILENCE.toNanos()) {
        LOG.fine(() -> "dresult silent: id=" + instance.idText());
        c.abort();
        return;
      }
      schedule();
    }

    private synchronized void schedule() {
      if (!cancelled) {
        next = clock.schedule(SILENCE_CHECK.toNanos(), this);
      }
    }

    synchronized void cancel() {
      cancelled = true;
      next.cancel();
    }
  }

  /** Gives every waiting request {@link Inbox#LINK_DOWN}: their answers will not come. */
  private void failAll() {
    for (Inbox inbox : inboxes.values()) {
      if (inboxes.remove(inbox.reqId, inbox)) {
        inbox.wake(Inbox.LINK_DOWN);
      }
    }
  }

  private void pause(Duration d) {
    if (closed) {
      return;
    }
    Thread me = Thread.currentThread();
    Clock.Cancel wake = clock.schedule(d.toNanos(), () -> LockSupport.unpark(me));
    long end = clock.nanoTime() + d.toNanos();
    while (!closed && clock.nanoTime() - end < 0) {
      LockSupport.park(this);
      if (Thread.interrupted()) {
        closed = true;
      }
    }
    wake.cancel();
  }

  /** Routes the parser's messages to the inboxes and notes a {@code close:}. */
  private final class Router implements DresultParser.Sink {
    boolean taken;

    @Override
    public void message(
        DresultParser.Kind kind, String reqId, byte[] payload, int offset, int length) {
      switch (kind) {
        case KEEP_ALIVE -> {}
        case CLOSE -> {
          taken = true;
          LOG.info("dresult link taken by another coordinator: id=" + instance.idText());
        }
        default -> {
          Inbox inbox = inboxes.get(reqId);
          if (inbox == null) {
            ignored.increment();
            return;
          }
          if (kind != DresultParser.Kind.DATA && kind != DresultParser.Kind.RETRY) {
            // lastData and error end the request's decode (retry keeps the id for the
            // recompute): gone from the link before the request sees its last piece
            inboxes.remove(reqId, inbox);
          }
          inbox.wake(new Inbox.Piece(kind, Arrays.copyOfRange(payload, offset, offset + length)));
        }
      }
    }

    @Override
    public void dropped(DresultParser.Drop reason) {
      dropped.increment();
      LOG.fine(() -> "dresult message dropped: id=" + instance.idText() + " reason=" + reason);
    }
  }
}
