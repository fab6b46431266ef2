package io.mscoordinator.testing.engine;

import io.mscoordinator.testing.engine.Plan.Fixed;
import io.mscoordinator.testing.engine.Plan.Generation;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One accepted connection: reads requests one after the other (keep-alive), answers each as its
 * plan, the timing model and the fault in force say, and records what it wrote. Confined to its own
 * virtual thread; the engine may close its socket and interrupt it from another thread.
 */
final class Connection implements Runnable {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] GARBAGE =
      "\u0000\u0001\u0002 fake engine garbage: this is not HTTP \u0003\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1);
  private static final long HUGE_LENGTH = 10_737_418_240L;

  private final FakeEngine engine;
  private final Socket socket;
  private final long number;
  private InputStream in;
  private OutputStream out;
  private Log current;

  Connection(FakeEngine engine, Socket socket, long number) {
    this.engine = engine;
    this.socket = socket;
    this.number = number;
  }

  @Override
  public void run() {
    try (socket) {
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      OutputStream raw = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
      out = raw;
      HttpRequestReader reader = new HttpRequestReader(in, engine.options().bodyLimit());
      while (true) {
        HttpRequestReader.Head head;
        byte[] body;
        try {
          head = reader.readHead();
          if (head == null) {
            return;
          }
          if (head.expectsContinue()) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
          }
          body = reader.readBody(head);
        } catch (HttpRequestReader.BadRequest e) {
          byte[] text = (e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8);
          head(400, "text/plain; charset=utf-8", text.length, false, false);
          out.write(text);
          out.flush();
          return;
        }
        SeenRequest request =
            new SeenRequest(
                engine.nextSequence(),
                head.method(),
                head.target(),
                head.headers(),
                body,
                head.arrivalNanos(),
                number);
        engine.records().request(request);
        out = raw;
        if (!exchange(request, head.keepAlive())) {
          return;
        }
      }
    } catch (IOException e) {
      // The peer went, a fault cut the connection, or the engine is closing: nothing to answer.
    } finally {
      engine.connectionEnded(socket);
    }
  }

  /** Answers one request; returns whether the connection may carry another. */
  private boolean exchange(SeenRequest request, boolean keepAlive) throws IOException {
    Plan plan = engine.plan(request);
    FaultRule rule = engine.takeFault(request, plan instanceof Plan.Decode);
    Log log = new Log(request, rule == null ? null : rule.fault());
    current = log;
    CountDownLatch stop = new CountDownLatch(1);
    String reqId = request.reqId().orElse(null);
    if (reqId != null) {
      engine.registerStop(reqId, stop);
    }
    try {
      if (rule == null || rule.fault().decodeOnly()) {
        // A decode fault shapes the hand-off's decode, not this answer: see answer().
        answer(plan, log, stop, keepAlive, null);
        return keepAlive;
      }
      if (plan instanceof Generation) {
        engine.load().received();
        engine.load().failed();
      }
      return faulted(rule, plan, log, stop, keepAlive);
    } finally {
      if (reqId != null) {
        engine.unregisterStop(reqId, stop);
      }
      engine.records().answer(log.done());
    }
  }

  private boolean faulted(
      FaultRule rule, Plan plan, Log log, CountDownLatch stop, boolean keepAlive)
      throws IOException {
    switch (rule.fault()) {
      case STATUS_500 -> {
        byte[] text = "fake engine fault: status=500\r\n".getBytes(StandardCharsets.UTF_8);
        log.status = 500;
        head(500, "text/plain; charset=utf-8", text.length, false, keepAlive);
        write(text, log);
        out.flush();
        log.complete = true;
        return keepAlive;
      }
      case HANG_BEFORE_FIRST_TOKEN -> {
        hang();
        return false;
      }
      case GARBAGE -> {
        out.write(GARBAGE);
        out.flush();
        return false;
      }
      case HUGE_BODY -> {
        log.status = 200;
        head(200, Dialects.JSON, HUGE_LENGTH, false, true);
        out.flush();
        // The zeros are not recorded: a test cannot want 10 GB kept in memory.
        byte[] zeros = new byte[64 * 1024];
        while (true) {
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("engine closing");
          }
          out.write(zeros);
          out.flush();
        }
      }
      case ENDLESS -> {
        endless(plan, log, stop);
        return false;
      }
      case TRICKLE -> {
        out = new TrickleOutputStream(out, rule.trickleDelay());
        answer(plan, log, stop, keepAlive, null);
        return keepAlive;
      }
      case HANG_AFTER_HEADERS, DROP_MID_STREAM -> {
        answer(plan, log, stop, keepAlive, rule);
        return false;
      }
      default ->
          throw new IllegalStateException("fault not applied per request: fault=" + rule.fault());
    }
  }

  /**
   * Writes the plan's answer with the timing model. {@code cut} (HANG_AFTER_HEADERS or
   * DROP_MID_STREAM) ends it early; a normal answer ({@code cut == null} and no fault) passes the
   * capacity gate and counts in the engine's load.
   */
  private void answer(Plan plan, Log log, CountDownLatch stop, boolean keepAlive, FaultRule cut)
      throws IOException {
    if (plan instanceof Fixed fixed) {
      log.status = fixed.status();
      writeWhole(fixed.status(), fixed.contentType(), fixed.body(), log, keepAlive, cut);
      return;
    }
    if (plan instanceof Plan.Link) {
      serveLink(log, keepAlive);
      return;
    }
    if (plan instanceof Plan.Decode decode) {
      boolean started = engine.decode(decode, log.fault);
      log.status = started ? 200 : 503;
      writeWhole(log.status, "text/plain; charset=utf-8", new byte[0], log, keepAlive, cut);
      return;
    }
    Generation g = (Generation) plan;
    if (engine.options().role() == FakeEngine.Role.PREFILL) {
      prefill(g, log, stop, keepAlive, cut);
      return;
    }
    boolean counted = log.fault == null;
    if (counted) {
      engine.load().received();
      try {
        engine.load().enter();
      } catch (InterruptedException e) {
        throw new InterruptedIOException("engine closing while the request waited");
      }
    }
    long start = System.nanoTime();
    int produced = 0;
    boolean ok = false;
    try {
      boolean stopped = pause(engine.firstTokenNanos(g.promptTokens), stop);
      if (counted) {
        engine.load().firstToken(System.nanoTime() - log.request.arrivalNanos());
      }
      log.status = 200;
      if (!g.stream) {
        for (int i = 1; i < g.outputTokens && !stopped; i++) {
          stopped = pause(engine.interTokenNanos(), stop);
        }
        produced = g.outputTokens;
        writeWhole(200, g.contentType(), g.whole(), log, keepAlive, cut);
        ok = log.complete;
        return;
      }
      head(200, g.contentType(), -1, g.contentType().equals(Dialects.SSE), keepAlive);
      log.chunked = true;
      for (byte[] event : g.open()) {
        chunk(event, log, cut);
      }
      for (int i = 0; i < g.outputTokens && !stopped; i++) {
        if (i > 0 && pause(engine.interTokenNanos(), stop)) {
          break;
        }
        chunk(g.token(i, i == g.outputTokens - 1), log, cut);
        produced++;
      }
      for (byte[] event : g.close(produced)) {
        chunk(event, log, cut);
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      log.complete = true;
      ok = true;
    } finally {
      if (counted) {
        engine.load().leave();
        engine.load().finished(g.promptTokens, produced, ok, System.nanoTime() - start);
      }
    }
  }

  /**
   * P's part of a generation: the first-token delay in a capacity slot, the JSON answer, then the
   * hand-off of the rest to D (after the slot is free, on this thread).
   */
  private void prefill(Generation g, Log log, CountDownLatch stop, boolean keepAlive, FaultRule cut)
      throws IOException {
    SeenRequest r = log.request;
    String reqId = r.reqId().orElseThrow();
    boolean counted = log.fault == null;
    if (counted) {
      engine.load().received();
      try {
        engine.load().enter();
      } catch (InterruptedException e) {
        throw new InterruptedIOException("engine closing while the request waited");
      }
    }
    long start = System.nanoTime();
    Prefill.Answer answer;
    boolean ok = false;
    try {
      boolean stopped = pause(engine.firstTokenNanos(g.promptTokens), stop);
      if (counted) {
        engine.load().firstToken(System.nanoTime() - r.arrivalNanos());
      }
      answer = Prefill.answer(reqId, g, stopped);
      log.status = 200;
      writeWhole(200, Dialects.JSON, answer.json(), log, keepAlive, cut);
      ok = log.complete;
    } finally {
      if (counted) {
        engine.load().leave();
        engine
            .load()
            .finished(g.promptTokens, Math.min(1, g.outputTokens), ok, System.nanoTime() - start);
      }
    }
    if (!answer.last()) {
      FakeEngine.Options o = engine.options();
      engine.handOff(
          new Handoff(
              reqId,
              r.target(),
              r.bodyText(),
              g.stream,
              Prefill.recompute(r),
              o.model(),
              engine.dialects().created(),
              o.outputTokens(),
              g.outputTokens,
              1,
              o.firstTokenBase().toNanos(),
              o.perPromptToken().toNanos(),
              o.interToken().toNanos()),
          r.header("d-target").orElseThrow(),
          Integer.parseInt(r.header("d-port").orElseThrow()));
    }
  }

  /**
   * A decode engine's {@code GET /dresult}: 200 chunked, then the outbox's messages one chunk each,
   * {@code ka:heartbeat} every heartbeat period, until a newer link evicts this one ({@code close}
   * and the final chunk), a {@link Fault#DECODE_DROP_LINK} drops it, or the peer or the engine
   * goes.
   */
  private void serveLink(Log log, boolean keepAlive) throws IOException {
    DresultOutbox outbox = engine.outbox();
    log.status = 200;
    head(200, "text/plain; charset=utf-8", -1, false, keepAlive);
    log.chunked = true;
    out.flush();
    long link = outbox.open();
    engine.records().linkOpened(link, number);
    long beat = engine.options().heartbeat().toNanos();
    try {
      long nextBeat = System.nanoTime() + beat;
      while (true) {
        DresultOutbox.Message m;
        try {
          m = outbox.take(link, nextBeat);
        } catch (InterruptedException e) {
          throw new InterruptedIOException("engine closing");
        }
        if (m == DresultOutbox.EVICTED) {
          linkChunk(link, DresultOutbox.CLOSE);
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          log.complete = true;
          engine.records().linkEnded(link, DresultLink.End.EVICTED);
          return;
        }
        if (m == null) {
          if (!engine.faultInForce(Fault.NO_HEARTBEAT)) {
            linkChunk(link, DresultOutbox.HEARTBEAT);
          }
          nextBeat = System.nanoTime() + beat;
          continue;
        }
        if (m.bytes() != null) {
          linkChunk(link, m.bytes());
        }
        if (m.dropAfter()) {
          engine.records().linkEnded(link, DresultLink.End.DROPPED);
          socket.close();
          throw new IOException("dresult link dropped by fault: reqId=" + m.reqId());
        }
      }
    } finally {
      outbox.ended(link);
      engine.records().linkEnded(link, DresultLink.End.CLOSED);
    }
  }

  private void linkChunk(long link, byte[] message) throws IOException {
    out.write((Integer.toHexString(message.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(message);
    out.write(CRLF);
    out.flush();
    engine.records().linkMessage(link, message);
  }

  private void writeWhole(
      int status, String contentType, byte[] body, Log log, boolean keepAlive, FaultRule cut)
      throws IOException {
    head(status, contentType, body.length, false, keepAlive);
    if (cut == null) {
      write(body, log);
      out.flush();
      log.complete = true;
      return;
    }
    write(Arrays.copyOf(body, body.length / 2), log);
    out.flush();
    cut(cut);
  }

  /** Writes one HTTP chunk and flushes it, unless {@code cut} ends the answer before it. */
  private void chunk(byte[] payload, Log log, FaultRule cut) throws IOException {
    if (cut != null
        && cut.fault() == Fault.DROP_MID_STREAM
        && log.chunks.size() >= cut.afterChunks()) {
      cut(cut);
    }
    FakeEngine.ChunkWatch watch = engine.chunkWatch();
    if (watch != null) {
      watch.writing(log.request, payload.length, System.nanoTime());
    }
    out.write((Integer.toHexString(payload.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(payload);
    out.write(CRLF);
    out.flush();
    log.chunks.add(payload);
    if (cut != null && cut.fault() == Fault.HANG_AFTER_HEADERS) {
      cut(cut);
    }
  }

  /** Ends the answer as the fault says: hang until the client goes, or drop the connection. */
  private void cut(FaultRule cut) throws IOException {
    if (cut.fault() == Fault.HANG_AFTER_HEADERS) {
      hang();
    }
    socket.close();
    throw new IOException("answer cut by fault: fault=" + cut.fault());
  }

  private void endless(Plan plan, Log log, CountDownLatch stop) throws IOException {
    Generation g = plan instanceof Generation gen ? gen : null;
    log.status = 200;
    head(
        200, g != null && g.stream ? g.contentType() : "text/plain; charset=utf-8", -1, true, true);
    log.chunked = true;
    if (g != null) {
      for (byte[] event : g.open()) {
        chunk(event, log, null);
      }
    }
    long pause = Math.max(TimeUnit.MILLISECONDS.toNanos(1), engine.interTokenNanos());
    for (int i = 0; ; i++) {
      chunk(
          g != null ? g.token(i, false) : Plan.tokenText(i).getBytes(StandardCharsets.UTF_8),
          log,
          null);
      if (pause(pause, stop)) {
        // A stopInfer ends even an endless stream, as it would on a real engine.
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        log.complete = true;
        return;
      }
    }
  }

  /** Reads (and drops) until the client closes the connection or the engine closes the socket. */
  private void hang() throws IOException {
    byte[] sink = new byte[4096];
    while (in.read(sink) >= 0) {
      // nothing: a hung engine ignores what it is sent
    }
  }

  /** Waits {@code nanos}, cut short by a stopInfer; returns whether the request was stopped. */
  private static boolean pause(long nanos, CountDownLatch stop) throws InterruptedIOException {
    try {
      return nanos <= 0 ? stop.getCount() == 0 : stop.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      throw new InterruptedIOException("engine closing");
    }
  }

  private void head(int status, String contentType, long length, boolean sse, boolean keepAlive)
      throws IOException {
    StringBuilder h = new StringBuilder(160);
    h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    h.append("Content-Type: ").append(contentType).append("\r\n");
    if (length >= 0) {
      h.append("Content-Length: ").append(length).append("\r\n");
    } else {
      h.append("Transfer-Encoding: chunked\r\n");
    }
    if (sse) {
      h.append("Cache-Control: no-cache\r\n");
    }
    if (!keepAlive) {
      h.append("Connection: close\r\n");
    }
    h.append("\r\n");
    if (current != null && current.headNanos == 0) {
      current.headNanos = System.nanoTime();
    }
    out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private void write(byte[] bytes, Log log) throws IOException {
    out.write(bytes);
    log.chunks.add(bytes);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 500 -> "Internal Server Error";
      default -> "Status";
    };
  }

  /** What was written for one request so far; confined to the connection's thread. */
  private static final class Log {
    final SeenRequest request;
    final Fault fault;
    final List<byte[]> chunks = new ArrayList<>();
    int status;
    boolean chunked;
    boolean complete;
    long headNanos;

    Log(SeenRequest request, Fault fault) {
      this.request = request;
      this.fault = fault;
    }

    WrittenAnswer done() {
      return new WrittenAnswer(
          request, status, chunked, List.copyOf(chunks), complete, fault, headNanos);
    }
  }

  /** Writes every byte on its own, flushed, with a pause after it. */
  private static final class TrickleOutputStream extends FilterOutputStream {
    private final Duration delay;

    TrickleOutputStream(OutputStream out, Duration delay) {
      super(out);
      this.delay = delay;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      out.flush();
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        throw new InterruptedIOException("engine closing");
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int i = 0; i < len; i++) {
        write(b[off + i]);
      }
    }
  }
}
