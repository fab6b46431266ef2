package io.mscoordinator.testing.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A fake LLM inference node for the data plane's tests: one HTTP/1.1 listener on 127.0.0.1 serving
 * every route of data-plane.md section 2 the way real engines answer them (OpenAI, TGI, vLLM,
 * Triton, MindIE, the tokenizer, stopInfer, {@code /metrics} in MindIE's or vLLM's names, {@code
 * /v1/models}, {@code /health}), with a token-timing model, a capacity, fault modes and {@link
 * #records() records} of every request and of the exact bytes of every answer.
 *
 * <p>Answers are deterministic for a given request: output tokens {@code tok0 tok1 ...} (ids 1000,
 * 1001, ...), as many as the request asks (OpenAI and vLLM {@code max_tokens}, TGI and MindIE
 * {@code parameters.max_new_tokens}, Triton {@code parameters.max_tokens} or {@code max_tokens}),
 * else {@link Options#outputTokens()}; ids from the {@code req-id} header (or the request's
 * sequence); {@code created} is the engine's start second, or {@link Options#created()}.
 *
 * <p>Timing: the first token comes {@code firstTokenBase + promptTokens × perPromptToken} after the
 * request got a slot, each later one {@code interToken} after the previous one, each delay times
 * {@code 1 ± jitter} from a seeded {@link SplittableRandom}; prompt tokens are {@code ceil(chars ×
 * 0.22)} of the prompt's text (exact for token-id arrays). At most {@code capacity} generations run
 * at once; the others wait in arrival order (shown as {@code num_requests_waiting}). A streaming
 * answer's status line and headers go out with its first token, each event in its own HTTP chunk,
 * flushed.
 *
 * <p>As a prefill or a decode engine ({@link Options#role()}, see {@link Role}) it plays one side
 * of data-plane.md section 5: P checks the coordinator's headers, answers the first piece as JSON
 * and hands the rest to D ({@code POST /fake/decode}, {@link Handoff}); D sends the rest as {@code
 * /dresult} messages whose pieces join with P's into the very bytes a single node would have
 * written. Hand-offs and links are in the {@link #records() records}; decode threads are named
 * {@code fake-engine-PORT-decode-ID}.
 *
 * <p>Built on plain sockets (TCP_NODELAY on accepted sockets) because the faults need bytes a web
 * server would not write. Threads: one virtual thread accepts ({@code fake-engine-PORT-accept}),
 * one virtual thread per connection ({@code fake-engine-PORT-conn-N}); {@link #close()} stops them
 * all. Threadsafe: tests may set faults, read records and close from any thread.
 */
public final class FakeEngine implements AutoCloseable {

  /** The names and layout of {@code GET /metrics}. */
  public enum MetricsFlavour {
    /** MindIE-LLM's: {@code num_requests_running}, {@code npu_cache_usage_perc}, ... */
    MINDIE,
    /** vLLM's: {@code vllm:num_requests_running}, {@code vllm:gpu_cache_usage_perc}, ... */
    VLLM;

    String contentType() {
      return "text/plain; version=0.0.4; charset=utf-8";
    }
  }

  /**
   * Which side of a prefill/decode pair the engine plays (data-plane.md section 5), as a MindIE-LLM
   * node started with a P or D role.
   */
  public enum Role {
    /** Answers every inference request whole, itself (the default). */
    SINGLE,
    /**
     * P: checks the coordinator's {@code req-type}, {@code req-id}, {@code d-target} and {@code
     * d-port} headers (400 with a short text when one is wrong), answers the first piece of the
     * generation as {@code {"reqId","isStream","isLastResp","output"}} JSON after the first-token
     * delay, then hands the rest to D with {@code POST http://<d-target>:<d-port>/fake/decode}.
     * Every other route as {@link #SINGLE}. A streaming vLLM {@code /generate} is refused with 400:
     * its NUL-terminated objects cannot travel in {@code /dresult} messages.
     */
    PREFILL,
    /**
     * D: takes P's hand-offs on {@code POST /fake/decode} (200 at once) and sends the rest of each
     * answer as {@code reqId:<id>\0data:<piece>\0} and {@code reqId:<id>\0lastData:<piece>\0}
     * messages on the one open {@code GET /dresult} link, one HTTP chunk each, the pieces exactly
     * the bytes a {@link #SINGLE} engine would have written, paced by P's inter-token delay. A new
     * link evicts the older one ({@code reqId:0xffffffffffffffff\0close:new link\0}, then its final
     * chunk); {@code ka:heartbeat\0} every {@link Options#heartbeat()}; messages made while no link
     * is open wait (at most {@value DresultOutbox#BOUND}, later ones are dropped and counted).
     * {@code stopInfer} ends a request's messages. Every other route as {@link #SINGLE}.
     */
    DECODE
  }

  /**
   * How a fake engine behaves. Immutable; start from {@link #defaults()} and change with the {@code
   * with*} methods.
   *
   * @param model the model it serves (OpenAI {@code model}, Triton path, {@code /v1/models})
   * @param firstTokenBase the first-token delay of an empty prompt
   * @param perPromptToken added to the first-token delay per prompt token
   * @param interToken between two tokens
   * @param jitter each delay is multiplied by a uniform factor in {@code [1 - jitter, 1 + jitter]}
   * @param seed the seed of the jitter
   * @param outputTokens output length when the request does not ask for one
   * @param flavour the {@code /metrics} names
   * @param capacity generations run at once; later ones wait
   * @param port the port to bind on 127.0.0.1, 0 for any free one
   * @param bodyLimit the largest request body read, in bytes; larger gets 400
   * @param tls null for plain HTTP; else the engine speaks HTTPS with this context's key and
   *     requires a client certificate its trust managers accept (as a MindIE node with mutual TLS)
   * @param role single node, or the prefill or decode side of a P/D pair (data-plane.md section 5)
   * @param heartbeat as a decode engine, the period of {@code ka:heartbeat} on {@code /dresult}
   * @param created the epoch second OpenAI answers carry as {@code created}; 0 for the engine's
   *     start second
   */
  public record Options(
      String model,
      Duration firstTokenBase,
      Duration perPromptToken,
      Duration interToken,
      double jitter,
      long seed,
      int outputTokens,
      MetricsFlavour flavour,
      int capacity,
      int port,
      int bodyLimit,
      SSLContext tls,
      Role role,
      Duration heartbeat,
      long created) {

    public Options {
      if (model == null || model.isEmpty()) {
        throw new IllegalArgumentException("fake engine model empty");
      }
      for (Duration d : List.of(firstTokenBase, perPromptToken, interToken)) {
        if (d.isNegative()) {
          throw new IllegalArgumentException("fake engine delay negative: delay=" + d);
        }
      }
      if (!(jitter >= 0 && jitter < 1)) {
        throw new IllegalArgumentException("fake engine jitter out of [0, 1): jitter=" + jitter);
      }
      if (outputTokens < 0 || capacity < 1 || port < 0 || port > 65535 || bodyLimit < 0) {
        throw new IllegalArgumentException(
            "fake engine option out of range: outputTokens="
                + outputTokens
                + " capacity="
                + capacity
                + " port="
                + port
                + " bodyLimit="
                + bodyLimit);
      }
      if (created < 0) {
        throw new IllegalArgumentException("fake engine created negative: created=" + created);
      }
      if (role == null) {
        throw new IllegalArgumentException("fake engine role missing");
      }
      if (heartbeat == null || heartbeat.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException(
            "fake engine heartbeat below 1 ms: heartbeat=" + heartbeat);
      }
    }

    /**
     * Model {@code llama}, no delays (a fast engine), 16 tokens, MindIE metrics, capacity 64, role
     * {@link Role#SINGLE}, heartbeat 5 s.
     */
    public static Options defaults() {
      return new Options(
          "llama",
          Duration.ZERO,
          Duration.ZERO,
          Duration.ZERO,
          0,
          1,
          16,
          MetricsFlavour.MINDIE,
          64,
          0,
          16 * 1024 * 1024,
          null,
          Role.SINGLE,
          Duration.ofSeconds(5),
          0);
    }

    public Options withModel(String m) {
      return edit(e -> e.model = m);
    }

    /** The timing model's three delays. */
    public Options withTiming(Duration base, Duration perPrompt, Duration inter) {
      return edit(
          e -> {
            e.firstTokenBase = base;
            e.perPromptToken = perPrompt;
            e.interToken = inter;
          });
    }

    public Options withJitter(double fraction, long withSeed) {
      return edit(
          e -> {
            e.jitter = fraction;
            e.seed = withSeed;
          });
    }

    public Options withOutputTokens(int n) {
      return edit(e -> e.outputTokens = n);
    }

    public Options withFlavour(MetricsFlavour f) {
      return edit(e -> e.flavour = f);
    }

    public Options withCapacity(int n) {
      return edit(e -> e.capacity = n);
    }

    public Options withPort(int p) {
      return edit(e -> e.port = p);
    }

    public Options withBodyLimit(int bytes) {
      return edit(e -> e.bodyLimit = bytes);
    }

    /** The same engine over HTTPS: see {@link #tls()}. */
    public Options withTls(SSLContext context) {
      return edit(e -> e.tls = context);
    }

    /** The same engine in another prefill/decode role: see {@link Role}. */
    public Options withRole(Role r) {
      return edit(e -> e.role = r);
    }

    /** A decode engine's {@code ka:heartbeat} period on {@code /dresult}. */
    public Options withHeartbeat(Duration period) {
      return edit(e -> e.heartbeat = period);
    }

    /**
     * Answers stamped {@code created: epochSecond} (OpenAI), for byte-equal answers of two engines.
     */
    public Options withCreated(long epochSecond) {
      return edit(e -> e.created = epochSecond);
    }

    /** A copy with {@code change} made to it, checked as any {@code Options} is. */
    private Options edit(Consumer<Edit> change) {
      Edit e = new Edit(this);
      change.accept(e);
      return new Options(
          e.model,
          e.firstTokenBase,
          e.perPromptToken,
          e.interToken,
          e.jitter,
          e.seed,
          e.outputTokens,
          e.flavour,
          e.capacity,
          e.port,
          e.bodyLimit,
          e.tls,
          e.role,
          e.heartbeat,
          e.created);
    }

    /** The fields of an {@code Options} being changed by a {@code with*} method. */
    private static final class Edit {
      String model;
      Duration firstTokenBase;
      Duration perPromptToken;
      Duration interToken;
      double jitter;
      long seed;
      int outputTokens;
      MetricsFlavour flavour;
      int capacity;
      int port;
      int bodyLimit;
      SSLContext tls;
      Role role;
      Duration heartbeat;
      long created;

      Edit(Options o) {
        model = o.model;
        firstTokenBase = o.firstTokenBase;
        perPromptToken = o.perPromptToken;
        interToken = o.interToken;
        jitter = o.jitter;
        seed = o.seed;
        outputTokens = o.outputTokens;
        flavour = o.flavour;
        capacity = o.capacity;
        port = o.port;
        bodyLimit = o.bodyLimit;
        tls = o.tls;
        role = o.role;
        heartbeat = o.heartbeat;
        created = o.created;
      }
    }

    /** The nominal (unjittered) first-token delay of a prompt, in ms. */
    double firstTokenDelayMillis(int promptTokens) {
      return (firstTokenBase.toNanos() + promptTokens * perPromptToken.toNanos()) / 1e6;
    }
  }

  /**
   * Told of each chunk of a streaming answer just before its bytes are written, on the connection's
   * thread (the perf lab times each chunk from this write to its arrival at the client). Must not
   * block.
   */
  @FunctionalInterface
  public interface ChunkWatch {
    void writing(SeenRequest request, int payloadBytes, long nanoTime);
  }

  private final Options options;
  private final int port;
  private volatile ChunkWatch chunkWatch;
  private final EngineRecords records = new EngineRecords();
  private final EngineLoad load;
  private final Dialects dialects;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong connectionNumbers = new AtomicLong();
  private final SplittableRandom random;
  private final Map<String, CountDownLatch> stops = new ConcurrentHashMap<>();
  private final DresultOutbox outbox = new DresultOutbox(records);
  private final Set<String> retried = ConcurrentHashMap.newKeySet();
  private final Map<String, Rule> faults = new HashMap<>();
  // Guarded by this: the listener, the open sockets and the threads, so that close() and refuse()
  // see every connection the accept loop registered.
  private ServerSocket listener;
  private final Set<Socket> sockets = new java.util.HashSet<>();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private Thread acceptor;
  private boolean closed;

  private FakeEngine(Options options) throws IOException {
    this.options = options;
    this.random = new SplittableRandom(options.seed());
    this.load = new EngineLoad(options);
    this.dialects =
        new Dialects(
            options,
            options.created() > 0 ? options.created() : Instant.now().getEpochSecond(),
            load::render,
            this::stopInfer);
    this.listener = bind(options.port(), options.tls());
    this.port = listener.getLocalPort();
    startAcceptor(listener);
  }

  /** Starts an engine with {@link Options#defaults()}. */
  public static FakeEngine start() {
    return start(Options.defaults());
  }

  /** Starts an engine listening on 127.0.0.1. */
  public static FakeEngine start(Options options) {
    try {
      return new FakeEngine(options);
    } catch (IOException e) {
      throw new UncheckedIOException("fake engine could not bind: port=" + options.port(), e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT}, or {@code https://} with {@link Options#tls()}. */
  public URI url() {
    return URI.create((options.tls() == null ? "http" : "https") + "://127.0.0.1:" + port);
  }

  public Options options() {
    return options;
  }

  /** Sets (or with null removes) the watch told of every streamed chunk from now on. */
  public void chunkWatch(ChunkWatch watch) {
    chunkWatch = watch;
  }

  ChunkWatch chunkWatch() {
    return chunkWatch;
  }

  /** What the engine saw and wrote. */
  public EngineRecords records() {
    return records;
  }

  /**
   * The generations holding one of the capacity's slots now (what {@code /metrics} calls running).
   */
  public int running() {
    return load.running();
  }

  /** The requests waiting for capacity now. */
  public int waiting() {
    return load.waiting();
  }

  /**
   * Applies {@code rule} from now on, replacing the rule for the same path (or the every-path rule
   * when {@code rule.path()} is null); a path's rule wins over the every-path one. {@link
   * Fault#REFUSE} acts at once instead: see {@link #refuse()}.
   */
  public void fault(FaultRule rule) {
    if (rule.fault() == Fault.REFUSE) {
      refuse();
      return;
    }
    synchronized (faults) {
      faults.put(rule.path() == null ? "" : rule.path(), new Rule(rule));
    }
  }

  /** {@code fault} on every request but the probes, until changed. */
  public void fault(Fault fault) {
    fault(FaultRule.of(fault));
  }

  /** Removes every fault rule (a refused listener stays refused until {@link #resume()}). */
  public void clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
  }

  /**
   * Closes the listening socket, so that connects are refused, and every open connection (as when
   * the engine's process is gone). Returns once connects are refused: a listening socket closed
   * while a virtual thread is blocked in its accept is only released when that thread has left it
   * (a connect in between was accepted into the backlog), so this waits for the acceptor to end.
   */
  public void refuse() {
    Thread acceptor;
    synchronized (this) {
      if (closed || listener.isClosed()) {
        return;
      }
      closeQuietly(listener);
      sockets.forEach(FakeEngine::closeQuietly);
      acceptor = this.acceptor;
    }
    try {
      if (acceptor != null && !acceptor.join(Duration.ofSeconds(10))) {
        throw new IllegalStateException("fake engine acceptor still running: port=" + port);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Binds the same port again after {@link #refuse()}; does nothing when listening. */
  public synchronized void resume() {
    if (closed) {
      throw new IllegalStateException("fake engine closed: port=" + port);
    }
    if (!listener.isClosed()) {
      return;
    }
    try {
      listener = bind(port, options.tls());
    } catch (IOException e) {
      throw new UncheckedIOException("fake engine could not bind again: port=" + port, e);
    }
    startAcceptor(listener);
  }

  /** Forgets the records and clears the faults. */
  public void reset() {
    clearFaults();
    records.reset();
  }

  /**
   * Closes the listener and every open connection and waits for every thread the engine started to
   * end; idempotent.
   *
   * @throws IllegalStateException when a thread is still alive 10 s later
   */
  @Override
  public void close() {
    List<Thread> started;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(listener);
      sockets.forEach(FakeEngine::closeQuietly);
      started = new ArrayList<>(threads);
    }
    started.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (Thread t : started) {
      try {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<String> alive = started.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    if (!alive.isEmpty()) {
      throw new IllegalStateException(
          "fake engine threads still alive after close: threads=" + alive);
    }
  }

  /** The threads this engine started that have not ended yet. */
  List<Thread> threads() {
    return List.copyOf(threads);
  }

  // --- for the connections ---

  EngineLoad load() {
    return load;
  }

  Dialects dialects() {
    return dialects;
  }

  DresultOutbox outbox() {
    return outbox;
  }

  /**
   * What the engine answers to {@code request} as its role says: {@code /dresult} and hand-offs on
   * a decode engine, the header checks on a prefill engine's generations, else the dialects' plan.
   */
  Plan plan(SeenRequest request) {
    String path = request.path();
    if (options.role() == Role.DECODE && path.equals("/dresult")) {
      return request.method().equals("GET")
          ? new Plan.Link()
          : Plan.Fixed.text(405, "method not allowed: allow=GET\r\n");
    }
    if (options.role() == Role.DECODE && path.equals(Handoff.PATH)) {
      return request.method().equals("POST")
          ? decodePlan(request)
          : Plan.Fixed.text(405, "method not allowed: allow=POST\r\n");
    }
    Plan plan = dialects.plan(request);
    if (options.role() == Role.PREFILL && plan instanceof Plan.Generation g) {
      String refusal = Prefill.refusal(request, g);
      if (refusal != null) {
        return Plan.Fixed.text(400, refusal + "\r\n");
      }
    }
    return plan;
  }

  /** The generation P handed over, planned with P's model, {@code created} and timing. */
  private Plan decodePlan(SeenRequest request) {
    Handoff h;
    try {
      h = Handoff.parse(request.body());
    } catch (IllegalArgumentException e) {
      return Plan.Fixed.text(400, e.getMessage() + "\r\n");
    }
    FakeEngine.Options sender = h.senderOptions(options);
    Dialects senders = new Dialects(sender, h.created(), () -> new byte[0], id -> {});
    SeenRequest asSent =
        new SeenRequest(
            request.sequence(),
            "POST",
            h.target(),
            List.of(Map.entry("req-id", h.reqId())),
            h.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            request.arrivalNanos(),
            request.connection());
    if (!(senders.plan(asSent) instanceof Plan.Generation g)
        || g.outputTokens != h.outputTokens()
        || g.stream != h.stream()
        || h.next() > h.outputTokens()) {
      return Plan.Fixed.text(
          400,
          "hand-off does not plan as sent: reqId="
              + h.reqId()
              + " target="
              + h.target()
              + " outputTokens="
              + h.outputTokens()
              + "\r\n");
    }
    return new Plan.Decode(h, g);
  }

  /** Starts the decode of a hand-off on its own thread; false when the engine is closed. */
  boolean decode(Plan.Decode d, Fault fault) {
    return startThread(
        "fake-engine-" + port + "-decode-" + d.handoff().reqId(),
        new DecodeJob(this, d.handoff(), d.generation(), fault));
  }

  /**
   * Hands a generation over to D as a prefill engine, on the calling thread, and records how it
   * went.
   */
  void handOff(Handoff h, String dTarget, int dPort) {
    int status = 0;
    String failure;
    try {
      status = Prefill.send(h, dTarget, dPort);
      failure = status == 200 ? null : "decode engine answered: status=" + status;
    } catch (IOException | IllegalArgumentException e) {
      failure = e.toString();
    }
    records.handoff(new PrefillHandoff(h.reqId(), dTarget, dPort, h.recompute(), status, failure));
  }

  /** Whether this is the first retry of {@code reqId} ({@link Fault#DECODE_RETRY_ONCE}). */
  boolean firstRetry(String reqId) {
    return retried.add(reqId);
  }

  /** Whether a rule with {@code fault} is set (on any path), not counting it. */
  boolean faultInForce(Fault fault) {
    synchronized (faults) {
      return faults.values().stream().anyMatch(r -> r.rule.fault() == fault);
    }
  }

  /** Runs {@code task} on a new virtual thread that {@link #close()} stops; false when closed. */
  synchronized boolean startThread(String name, Runnable task) {
    if (closed) {
      return false;
    }
    Thread t =
        Thread.ofVirtual()
            .name(name)
            .unstarted(
                () -> {
                  try {
                    task.run();
                  } finally {
                    threads.remove(Thread.currentThread());
                  }
                });
    threads.add(t);
    t.start();
    return true;
  }

  long nextSequence() {
    return sequence.getAndIncrement();
  }

  long firstTokenNanos(int promptTokens) {
    return jittered(
        options.firstTokenBase().toNanos() + promptTokens * options.perPromptToken().toNanos());
  }

  long interTokenNanos() {
    return jittered(options.interToken().toNanos());
  }

  long jittered(long nanos) {
    if (nanos <= 0 || options.jitter() == 0) {
      return nanos;
    }
    double u;
    synchronized (random) {
      u = random.nextDouble();
    }
    return (long) (nanos * (1 + options.jitter() * (2 * u - 1)));
  }

  /**
   * The fault for this request, counting it against the rule's times; null for none. A decode
   * engine's fault ({@link Fault#decodeOnly()}) is only a hand-off's ({@code handoff}), and {@link
   * Fault#NO_HEARTBEAT} no request's.
   */
  FaultRule takeFault(SeenRequest request, boolean handoff) {
    synchronized (faults) {
      String key = faults.containsKey(request.path()) ? request.path() : "";
      if (key.isEmpty() && Dialects.isProbe(request.method(), request.path())) {
        return null;
      }
      Rule rule = faults.get(key);
      if (rule == null) {
        return null;
      }
      Fault f = rule.rule.fault();
      if (f.decodeOnly() && (!handoff || f == Fault.NO_HEARTBEAT)) {
        return null;
      }
      if (rule.left > 0 && --rule.left == 0) {
        faults.remove(key);
      }
      return rule.rule;
    }
  }

  void registerStop(String reqId, CountDownLatch stop) {
    stops.put(reqId, stop);
  }

  void unregisterStop(String reqId, CountDownLatch stop) {
    stops.remove(reqId, stop);
  }

  private void stopInfer(String id) {
    records.stopInfer(id);
    CountDownLatch stop = stops.get(id);
    if (stop != null) {
      stop.countDown();
    }
  }

  void connectionEnded(Socket socket) {
    synchronized (this) {
      sockets.remove(socket);
    }
    threads.remove(Thread.currentThread());
    records.connectionClosed();
  }

  // --- accepting ---

  private static ServerSocket bind(int port, SSLContext tls) throws IOException {
    ServerSocket s;
    if (tls == null) {
      s = new ServerSocket();
    } else {
      SSLServerSocket secure = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
      secure.setNeedClientAuth(true);
      s = secure;
    }
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
    return s;
  }

  private void startAcceptor(ServerSocket s) {
    Thread t =
        Thread.ofVirtual()
            .name("fake-engine-" + s.getLocalPort() + "-accept")
            .unstarted(() -> accept(s));
    threads.add(t);
    acceptor = t;
    t.start();
  }

  private void accept(ServerSocket s) {
    try {
      while (true) {
        Socket socket;
        try {
          socket = s.accept();
        } catch (IOException e) {
          return; // closed by close() or refuse()
        }
        synchronized (this) {
          if (closed || s.isClosed()) {
            closeQuietly(socket);
            return;
          }
          try {
            socket.setTcpNoDelay(true);
          } catch (IOException e) {
            closeQuietly(socket);
            continue;
          }
          long n = connectionNumbers.getAndIncrement();
          sockets.add(socket);
          records.connectionOpened();
          Thread t =
              Thread.ofVirtual()
                  .name("fake-engine-" + port + "-conn-" + n)
                  .unstarted(new Connection(this, socket, n));
          threads.add(t);
          t.start();
        }
      }
    } finally {
      threads.remove(Thread.currentThread());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing to stop: nothing to do about a failure
    }
  }

  /** A fault rule and how many more requests it costs ({@code -1}: until changed). */
  private static final class Rule {
    final FaultRule rule;
    int left;

    Rule(FaultRule rule) {
      this.rule = rule;
      this.left = rule.times();
    }
  }

  /**
   * Runs an engine by hand until Ctrl-C. Flags: {@code --port N} (default 8000), {@code --model
   * NAME}, {@code --first-token-ms MS} (default 50), {@code --per-prompt-token-ms MS} (default
   * 0.1), {@code --inter-token-ms MS} (default 20), {@code --jitter F}, {@code --seed N}, {@code
   * --output-tokens N}, {@code --capacity N}, {@code --metrics mindie|vllm}, {@code --record 0|1}
   * (default 1; 0 keeps no request or answer, for long load runs: see {@link
   * EngineRecords#recording}), {@code --role single|prefill|decode} (see {@link Role}), {@code
   * --heartbeat-ms MS} (default 5000, a decode engine's {@code ka} period).
   */
  public static void main(String[] args) throws InterruptedException {
    Options o = Options.defaults().withPort(8000).withTiming(millis(50), millis(0.1), millis(20));
    Duration base = o.firstTokenBase();
    Duration perPrompt = o.perPromptToken();
    Duration inter = o.interToken();
    double jitter = 0;
    long seed = 1;
    boolean record = true;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        usage("flag without value: flag=" + flag);
      }
      String v = args[++i];
      try {
        switch (flag) {
          case "--port" -> o = o.withPort(Integer.parseInt(v));
          case "--model" -> o = o.withModel(v);
          case "--first-token-ms" -> base = millis(Double.parseDouble(v));
          case "--per-prompt-token-ms" -> perPrompt = millis(Double.parseDouble(v));
          case "--inter-token-ms" -> inter = millis(Double.parseDouble(v));
          case "--jitter" -> jitter = Double.parseDouble(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--output-tokens" -> o = o.withOutputTokens(Integer.parseInt(v));
          case "--capacity" -> o = o.withCapacity(Integer.parseInt(v));
          case "--record" -> record = parseBit(flag, v);
          case "--role" -> o = o.withRole(Role.valueOf(v.toUpperCase(java.util.Locale.ROOT)));
          case "--heartbeat-ms" -> o = o.withHeartbeat(millis(Double.parseDouble(v)));
          case "--metrics" ->
              o = o.withFlavour(MetricsFlavour.valueOf(v.toUpperCase(java.util.Locale.ROOT)));
          default -> usage("unknown flag: flag=" + flag);
        }
      } catch (IllegalArgumentException e) {
        usage("bad value: flag=" + flag + " value=" + v + " (" + e.getMessage() + ")");
      }
    }
    FakeEngine engine;
    try {
      engine = start(o.withTiming(base, perPrompt, inter).withJitter(jitter, seed));
    } catch (IllegalArgumentException | UncheckedIOException e) {
      usage(e.getMessage());
      return;
    }
    engine.records().recording(record);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  engine.close();
                  stopped.countDown();
                },
                "fake-engine-shutdown"));
    System.out.println(
        "fake engine listening: url="
            + engine.url()
            + " model="
            + engine.options().model()
            + " role="
            + engine.options().role().name().toLowerCase(java.util.Locale.ROOT));
    System.out.flush();
    stopped.await();
  }

  private static boolean parseBit(String flag, String v) {
    return switch (v) {
      case "1" -> true;
      case "0" -> false;
      default -> throw new IllegalArgumentException("not 0 or 1: flag=" + flag + " value=" + v);
    };
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos((long) (ms * 1e6));
  }

  private static void usage(String problem) {
    System.err.println("fake engine: " + problem);
    System.err.println(
        "usage: FakeEngine [--port N] [--model NAME] [--first-token-ms MS] [--per-prompt-token-ms MS]"
            + " [--inter-token-ms MS] [--jitter F] [--seed N] [--output-tokens N] [--capacity N]"
            + " [--metrics mindie|vllm] [--record 0|1] [--role single|prefill|decode]"
            + " [--heartbeat-ms MS]");
    System.exit(2);
  }
}
