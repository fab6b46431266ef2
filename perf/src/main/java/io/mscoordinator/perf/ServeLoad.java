package io.mscoordinator.perf;

import io.mscoordinator.testing.engine.FakeEngine;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code perf/run serve}: an inference load generator in the spirit of {@code vllm bench serve},
 * run side by side through the fake engines directly, nginx, HAProxy and the coordinator, all on
 * this machine in one run.
 *
 * <pre>
 * perf/run serve [--targets direct,nginx,haproxy,coordinator] [--figure none|a|b|c]
 *                [--rate R [--arrivals poisson|fixed] | --concurrency C]
 *                [--requests N | --seconds S]
 *                [--warmup-seconds W] [--prompt-chars DIST] [--output-tokens DIST] [--stream 0|1]
 *                [--dialect openai|chat|tgi|vllm|mindie] [--engines K] [--first-token-ms MS]
 *                [--inter-token-ms MS] [--slo-ttft-ms MS] [--slo-tpot-ms MS] [--slo-e2e-ms MS]
 *                [--coordinator-java-opts "-Xmx1g"]
 *   DIST: N | uniform:A:B | normal:MEAN:SD
 *   figure a: wrk sweep of connections [--wrk-connections 1,2,4,8,16,32,64 --wrk-seconds 8],
 *             small non-streaming requests, highest requests/s at p99 under 10 ms per target
 *   figure b: streams at a concurrency cap (default 1000 at 50 tokens/s), added latency per chunk
 *             against direct and CPU per chunk of each proxy
 *   figure c: open streams [--open-streams N], RSS (and the coordinator's heap) per open stream
 * </pre>
 *
 * <p>The K fake engines run in this JVM (recording off) and the client is raw sockets on virtual
 * threads ({@link ServeClient}). Per target: client-side TTFT, TPOT, E2E, inter-chunk time and
 * chunk lateness (arrival minus the engine's nominal schedule from the request's send time), p50 /
 * p90 / p99, requests/s, chunks/s, goodput within the stated SLO, CPU of the target's processes
 * over the measured window, its RSS, and for the coordinator its own {@code ms_coordinator_*}
 * quantiles from {@code /metrics}. Added latency per chunk of a proxy = its chunk lateness minus
 * direct's, quantile by quantile.
 */
public final class ServeLoad {
  private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern WRK_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

  /** The engines' write times of each measured request's chunks, by the request's lab-id. */
  private static final java.util.concurrent.ConcurrentHashMap<String, Writes> WRITES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final AtomicLong LAB_IDS = new AtomicLong();

  private ServeLoad() {}

  /**
   * When the engine began writing each chunk of one answer and the body bytes written by then.
   * Written by the engine's connection thread, read by the request's thread after the answer
   * ended; guarded by this object's monitor.
   */
  static final class Writes {
    private long[] endBytes = new long[64];
    private long[] nanos = new long[64];
    private int n;
    private long bytes;

    synchronized void add(int payload, long at) {
      if (n == nanos.length) {
        nanos = java.util.Arrays.copyOf(nanos, n * 2);
        endBytes = java.util.Arrays.copyOf(endBytes, n * 2);
      }
      bytes += payload;
      endBytes[n] = bytes;
      nanos[n++] = at;
    }

    /** When the engine began writing the chunk holding body byte {@code endByte - 1}, or -1. */
    synchronized long writeOf(long endByte, int from) {
      for (int k = from; k < n; k++) {
        if (endBytes[k] >= endByte) {
          return nanos[k];
        }
      }
      return -1;
    }
  }

  /** A length distribution: {@code N}, {@code uniform:A:B} or {@code normal:MEAN:SD}. */
  record Dist(String text, String kind, double a, double b) {
    static Dist parse(String text) {
      String[] p = text.split(":");
      return switch (p[0]) {
        case "uniform" -> new Dist(text, "uniform", num(p[1]), num(p[2]));
        case "normal" -> new Dist(text, "normal", num(p[1]), num(p[2]));
        default -> new Dist(text, "fixed", num(p[0]), 0);
      };
    }

    int sample(SplittableRandom r) {
      double v =
          switch (kind) {
            case "uniform" -> a + r.nextDouble() * (b - a + 1);
            case "normal" -> a + b * gaussian(r);
            default -> a;
          };
      return (int) Math.max(1, Math.floor(v));
    }

    private static double gaussian(SplittableRandom r) {
      double u = Math.max(1e-12, r.nextDouble());
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static double num(String s) {
      return Double.parseDouble(s);
    }
  }

  /** Everything one run is asked to do. */
  record Plan(
      String figure,
      List<String> targets,
      double rate,
      boolean poisson,
      int concurrency,
      int requests,
      int seconds,
      int warmupSeconds,
      Dist promptChars,
      Dist outputTokens,
      boolean stream,
      String dialect,
      int engines,
      double firstTokenMs,
      double interTokenMs,
      double sloTtftMs,
      double sloTpotMs,
      double sloE2eMs,
      int openStreams,
      List<Integer> wrkConnections,
      int wrkSeconds,
      String coordinatorJavaOpts) {

    JsonObject json() {
      return Json.createObjectBuilder()
          .add("figure", figure)
          .add("targets", String.join(",", targets))
          .add("rate", rate)
          .add("arrivals", poisson ? "poisson" : "fixed")
          .add("concurrency", concurrency)
          .add("requests", requests)
          .add("seconds", seconds)
          .add("warmup_seconds", warmupSeconds)
          .add("prompt_chars", promptChars.text())
          .add("output_tokens", outputTokens.text())
          .add("stream", stream)
          .add("dialect", dialect)
          .add("engines", engines)
          .add("first_token_ms", firstTokenMs)
          .add("inter_token_ms", interTokenMs)
          .add("slo_ttft_ms", sloTtftMs)
          .add("slo_tpot_ms", sloTpotMs)
          .add("slo_e2e_ms", sloE2eMs)
          .add("open_streams", openStreams)
          .add("wrk_connections", wrkConnections.toString())
          .add("wrk_seconds", wrkSeconds)
          .add("coordinator_java_opts", coordinatorJavaOpts)
          .build();
    }
  }

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    String figure = args.text("figure", "none");
    boolean b = figure.equals("b");
    boolean c = figure.equals("c");
    boolean a = figure.equals("a");
    Plan plan =
        new Plan(
            figure,
            List.of(args.text("targets", "direct,nginx,haproxy,coordinator").split(",")),
            Double.parseDouble(args.text("rate", "0")),
            args.text("arrivals", "poisson").equals("poisson"),
            args.integer("concurrency", b ? 1000 : 16, 0, 20_000),
            args.integer("requests", 0, 0, 100_000_000),
            args.integer("seconds", b ? 20 : 10, 1, LoadArgs.MAX_SECONDS),
            args.integer("warmup-seconds", b ? 5 : 3, 0, 600),
            Dist.parse(args.text("prompt-chars", a ? "64" : "256")),
            Dist.parse(args.text("output-tokens", b ? "100" : a ? "16" : "32")),
            args.integer("stream", a ? 0 : 1, 0, 1) == 1,
            args.text("dialect", "openai"),
            args.integer("engines", a ? 1 : 2, 1, 64),
            Double.parseDouble(args.text("first-token-ms", a || c ? "0" : "20")),
            Double.parseDouble(args.text("inter-token-ms", a ? "0" : c ? "60000" : "20")),
            Double.parseDouble(args.text("slo-ttft-ms", "100")),
            Double.parseDouble(args.text("slo-tpot-ms", "25")),
            Double.parseDouble(args.text("slo-e2e-ms", "0")),
            args.integer("open-streams", 8000, 1, 9_500),
            parseInts(args.text("wrk-connections", "1,2,4,8,16,32,64")),
            args.integer("wrk-seconds", 8, 1, 600),
            args.text("coordinator-java-opts", "-Xmx1g"));
    Path home = Path.of(args.text("home", ".")).toAbsolutePath();
    String out = args.text("out", null);
    Path dir = Files.createTempDirectory("ms-serve-");
    System.err.println("perf/run serve: " + plan.json() + " work dir " + dir);

    JsonArrayBuilder results = Json.createArrayBuilder();
    Instant started = Instant.now();
    FakeEngine.Options options =
        FakeEngine.Options.defaults()
            .withTiming(millis(plan.firstTokenMs()), Duration.ZERO, millis(plan.interTokenMs()))
            .withOutputTokens(16)
            .withCapacity(1_000_000);
    for (String name : plan.targets()) {
      System.err.println("perf/run serve: target " + name);
      // Fresh engines per target: no connection or stream of one target outlives it into the next.
      List<FakeEngine> engines = new ArrayList<>();
      try {
        for (int i = 0; i < plan.engines(); i++) {
          FakeEngine e = FakeEngine.start(options);
          e.records().recording(false);
          e.chunkWatch(
              (request, bytes, at) -> {
                Writes w = WRITES.get(request.header("lab-id").orElse(""));
                if (w != null) {
                  w.add(bytes, at);
                }
              });
          engines.add(e);
        }
        List<Integer> enginePorts = engines.stream().map(FakeEngine::port).toList();
        try (ServeTarget target =
            ServeTarget.start(name, enginePorts, home, dir, plan.coordinatorJavaOpts())) {
          JsonObject r =
              switch (plan.figure()) {
                case "a" -> wrkSweep(plan, target, dir);
                case "c" -> openStreams(plan, target);
                default -> load(plan, target);
              };
          System.err.println("perf/run serve: " + name + " " + r);
          results.add(r);
        }
      } finally {
        for (FakeEngine e : engines) {
          e.close();
        }
      }
    }
    JsonObject result =
        Json.createObjectBuilder()
            .add("scenario", "serve")
            .add("started", started.toString())
            .add("machine", machine())
            .add("plan", plan.json())
            .add("targets", results)
            .build();
    if (out != null) {
      Files.writeString(Path.of(out), result.toString());
    }
    System.out.println(result);
  }

  // --- one load run: rate or concurrency, streaming or not ---

  /** What a load run measured, written by every request's virtual thread. Threadsafe. */
  static final class Stats {
    final Recorder ttft = new Recorder(3);
    final Recorder tpot = new Recorder(3);
    final Recorder e2e = new Recorder(3);
    final Recorder itl = new Recorder(3);
    final Recorder relayNanos = new Recorder(3);
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong good = new AtomicLong();
    final AtomicLong chunks = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong relayOver1ms = new AtomicLong();
    final AtomicLong relayUnmatched = new AtomicLong();
    volatile String firstError;
  }

  private static JsonObject load(Plan plan, ServeTarget target) throws Exception {
    SplittableRandom seed = new SplittableRandom(42);
    Stats stats = new Stats();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger issued = new AtomicInteger();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(plan.warmupSeconds());
    long deadline =
        plan.requests() > 0
            ? Long.MAX_VALUE
            : measureFrom + TimeUnit.SECONDS.toNanos(plan.seconds());
    long[] cpuAt = new long[2];
    long[] windowAt = new long[2];
    long ownCpu0;
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  ProductionDay.sleepUntil(measureFrom);
                  windowAt[0] = System.nanoTime();
                  cpuAt[0] = target.cpuTicks();
                });
    ownCpu0 = ServeTarget.cpuTicks(ProcessHandle.current().pid());
    int ports = target.ports.size();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      if (plan.rate() > 0) {
        java.util.concurrent.ConcurrentLinkedDeque<ServeClient> idle =
            new java.util.concurrent.ConcurrentLinkedDeque<>();
        long next = start;
        SplittableRandom arrivals = seed.split();
        int n = 0;
        while (!stop.get()) {
          next +=
              (long)
                  (1e9
                      / plan.rate()
                      * (plan.poisson() ? -Math.log(1 - arrivals.nextDouble()) : 1));
          if (next >= deadline) {
            break;
          }
          ProductionDay.sleepUntil(next);
          SplittableRandom r = seed.split();
          int port = target.ports.get(n++ % ports);
          pool.submit(
              () -> {
                ServeClient client = idle.pollFirst();
                if (client == null || client.port() != port) {
                  if (client != null) {
                    idle.addLast(client);
                  }
                  client = new ServeClient(port);
                }
                if (one(plan, client, r, stats, measureFrom, issued, stop)) {
                  idle.addFirst(client);
                }
              });
        }
        stop.set(true);
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        idle.forEach(ServeClient::close);
      } else {
        CountDownLatch done = new CountDownLatch(plan.concurrency());
        for (int u = 0; u < plan.concurrency(); u++) {
          SplittableRandom r = seed.split();
          int port = target.ports.get(u % ports);
          pool.submit(
              () -> {
                ServeClient client = new ServeClient(port);
                try {
                  while (!stop.get() && System.nanoTime() < deadline) {
                    if (!one(plan, client, r, stats, measureFrom, issued, stop)) {
                      client = new ServeClient(port);
                    }
                  }
                } finally {
                  client.close();
                  done.countDown();
                }
              });
        }
        while (!done.await(100, TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() >= deadline) {
            stop.set(true);
          }
        }
      }
    }
    long end = Math.min(System.nanoTime(), deadline);
    long cpuEnd = target.cpuTicks();
    sampler.join();
    long ownCpu = ServeTarget.cpuTicks(ProcessHandle.current().pid()) - ownCpu0;
    double window = (end - Math.max(windowAt[0], measureFrom)) / 1e9;
    long cpu = cpuEnd - cpuAt[0];
    JsonObjectBuilder r = Json.createObjectBuilder().add("target", target.name);
    Histogram ttft = stats.ttft.getIntervalHistogram();
    Histogram tpot = stats.tpot.getIntervalHistogram();
    Histogram e2e = stats.e2e.getIntervalHistogram();
    Histogram itl = stats.itl.getIntervalHistogram();
    Histogram relay = stats.relayNanos.getIntervalHistogram();
    r.add("window_s", window)
        .add("ok", stats.ok.get())
        .add("failed", stats.failed.get())
        .add("first_error", String.valueOf(stats.firstError))
        .add("requests_per_s", stats.ok.get() / window)
        .add("chunks", stats.chunks.get())
        .add("chunks_per_s", stats.chunks.get() / window)
        .add("events", stats.events.get())
        .add("output_tokens_per_s", stats.tokens.get() / window)
        .add("goodput_requests_per_s", stats.good.get() / window)
        .add(
            "goodput_fraction",
            stats.ok.get() == 0 ? 0 : (double) stats.good.get() / stats.ok.get())
        .add("ttft_us", quantiles(ttft))
        .add("tpot_us", quantiles(tpot))
        .add("e2e_us", quantiles(e2e))
        .add("inter_chunk_us", quantiles(itl))
        .add("chunk_relay_us", nanosAsMicros(relay))
        .add("chunks_relay_over_1ms", stats.relayOver1ms.get())
        .add("chunks_unmatched", stats.relayUnmatched.get())
        .add("cpu_ticks", cpu)
        .add("cpu_cores", cpu / 100.0 / window)
        .add(
            "cpu_us_per_chunk",
            stats.chunks.get() == 0 ? 0 : cpu * 10_000.0 / stats.chunks.get())
        .add(
            "cpu_us_per_request",
            stats.ok.get() == 0 ? 0 : cpu * 10_000.0 / stats.ok.get())
        .add("load_generator_and_engines_cpu_cores", ownCpu / 100.0 / ((end - start) / 1e9))
        .add("rss_kib", target.rssKib())
        .add("coordinator", target.coordinatorQuantiles());
    return r.build();
  }

  /**
   * One request on {@code client}; false when the connection is gone. Only requests sent at or
   * after {@code measureFrom} are measured.
   */
  private static boolean one(
      Plan plan,
      ServeClient client,
      SplittableRandom r,
      Stats stats,
      long measureFrom,
      AtomicInteger issued,
      AtomicBoolean stop) {
    int promptChars = plan.promptChars().sample(r);
    int outputTokens = plan.outputTokens().sample(r);
    String labId = Long.toString(LAB_IDS.incrementAndGet());
    byte[] request = request(plan, client.port(), promptChars, outputTokens, labId);
    ServeClient.Answer answer = new ServeClient.Answer();
    long sent = System.nanoTime();
    boolean measured = sent >= measureFrom;
    Writes writes = null;
    if (measured && plan.stream()) {
      writes = new Writes();
      WRITES.put(labId, writes);
    }
    try {
      return exchange(plan, client, request, answer, sent, measured, outputTokens, writes, stats);
    } finally {
      if (writes != null) {
        WRITES.remove(labId);
      }
      if (measured && plan.requests() > 0 && issued.incrementAndGet() >= plan.requests()) {
        stop.set(true);
      }
    }
  }

  private static boolean exchange(
      Plan plan,
      ServeClient client,
      byte[] request,
      ServeClient.Answer answer,
      long sent,
      boolean measured,
      int outputTokens,
      Writes writes,
      Stats stats) {
    try {
      client.exchange(request, answer);
    } catch (Exception e) {
      if (measured) {
        stats.failed.incrementAndGet();
        if (stats.firstError == null) {
          stats.firstError = String.valueOf(e);
        }
      }
      return false;
    }
    if (!measured) {
      return true;
    }
    if (answer.status != 200) {
      stats.failed.incrementAndGet();
      if (stats.firstError == null) {
        stats.firstError = "status=" + answer.status;
      }
      return true;
    }
    long ttft = answer.ttftNanos - sent;
    long e2e = answer.endNanos - sent;
    stats.ok.incrementAndGet();
    stats.tokens.addAndGet(outputTokens);
    stats.chunks.addAndGet(answer.chunks);
    stats.events.addAndGet(answer.events);
    stats.e2e.recordValue(Math.max(1, e2e / 1000));
    double tpotMs = 0;
    if (plan.stream()) {
      stats.ttft.recordValue(Math.max(1, ttft / 1000));
      if (outputTokens > 1) {
        long tpot = (e2e - ttft) / (outputTokens - 1);
        stats.tpot.recordValue(Math.max(1, tpot / 1000));
        tpotMs = tpot / 1e6;
      }
      // A chunk's relay time: its arrival here minus when the engine began writing the engine
      // chunk that holds its last byte (matched by body bytes, so a proxy that merges or splits
      // chunks is still timed right).
      int from = 0;
      for (int j = 0; j < answer.chunks; j++) {
        long at = answer.chunkArrivals[j];
        if (j > 0) {
          stats.itl.recordValue(Math.max(1, (at - answer.chunkArrivals[j - 1]) / 1000));
        }
        long wrote = writes == null ? -1 : writes.writeOf(answer.chunkEndBytes[j], from);
        if (wrote < 0) {
          stats.relayUnmatched.incrementAndGet();
          continue;
        }
        long relay = at - wrote;
        stats.relayNanos.recordValue(Math.max(1, relay));
        if (relay > 1_000_000) {
          stats.relayOver1ms.incrementAndGet();
        }
      }
    } else {
      stats.ttft.recordValue(Math.max(1, e2e / 1000));
    }
    boolean good =
        (!plan.stream() || ttft <= plan.sloTtftMs() * 1e6)
            && (!plan.stream() || tpotMs <= plan.sloTpotMs())
            && (plan.sloE2eMs() <= 0 || e2e <= plan.sloE2eMs() * 1e6);
    if (good) {
      stats.good.incrementAndGet();
    }
    return true;
  }

  /** The whole HTTP/1.1 request of {@code plan}'s dialect. */
  static byte[] request(Plan plan, int port, int promptChars, int outputTokens) {
    return request(plan, port, promptChars, outputTokens, "0");
  }

  /** The whole HTTP/1.1 request, with header {@code lab-id} naming it to the engines' watch. */
  static byte[] request(Plan plan, int port, int promptChars, int outputTokens, String labId) {
    String prompt = prompt(promptChars);
    boolean s = plan.stream();
    String path;
    String body;
    switch (plan.dialect()) {
      case "openai" -> {
        path = "/v1/completions";
        body =
            "{\"model\":\"llama\",\"prompt\":\"%s\",\"max_tokens\":%d,\"stream\":%b}"
                .formatted(prompt, outputTokens, s);
      }
      case "chat" -> {
        path = "/v1/chat/completions";
        body =
            ("{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],"
                    + "\"max_tokens\":%d,\"stream\":%b}")
                .formatted(prompt, outputTokens, s);
      }
      case "tgi" -> {
        path = s ? "/generate_stream" : "/generate";
        body =
            "{\"inputs\":\"%s\",\"parameters\":{\"max_new_tokens\":%d}}"
                .formatted(prompt, outputTokens);
      }
      case "vllm" -> {
        path = "/generate";
        body =
            "{\"prompt\":\"%s\",\"max_tokens\":%d,\"stream\":%b}"
                .formatted(prompt, outputTokens, s);
      }
      case "mindie" -> {
        path = "/infer";
        body =
            "{\"inputs\":\"%s\",\"stream\":%b,\"parameters\":{\"max_new_tokens\":%d}}"
                .formatted(prompt, s, outputTokens);
      }
      default -> throw new IllegalArgumentException("unknown dialect: dialect=" + plan.dialect());
    }
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + port
            + "\r\nlab-id: "
            + labId
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + b.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + b.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(b, 0, all, h.length, b.length);
    return all;
  }

  private static String prompt(int chars) {
    StringBuilder sb = new StringBuilder(chars);
    for (int i = 0; i < chars; i++) {
      sb.append(i % 6 == 5 ? ' ' : (char) ('a' + i % 26));
    }
    return sb.toString();
  }

  // --- figure (a): wrk sweep ---

  private static JsonObject wrkSweep(Plan plan, ServeTarget target, Path dir) throws Exception {
    Path script = dir.resolve("wrk-" + target.name + ".lua");
    SplittableRandom one = new SplittableRandom(1);
    byte[] req =
        request(
            plan,
            target.ports.get(0),
            plan.promptChars().sample(one),
            plan.outputTokens().sample(one));
    String raw = new String(req, StandardCharsets.ISO_8859_1);
    String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
    String path = raw.substring(5, raw.indexOf(' ', 5));
    Files.writeString(
        script,
        "wrk.method = \"POST\"\nwrk.path = \""
            + path
            + "\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = '"
            + body
            + "'\n");
    // With several engines, direct is driven on the first engine only: what one upstream gives.
    String url = "http://127.0.0.1:" + target.ports.get(0) + path;
    wrk(script, url, 4, 3); // warm-up, not reported
    JsonArrayBuilder steps = Json.createArrayBuilder();
    double best = 0;
    double bestP99 = 0;
    int bestConnections = 0;
    double bestCpu = 0;
    for (int c : plan.wrkConnections()) {
      long cpu0 = target.cpuTicks();
      long t0 = System.nanoTime();
      String o = wrk(script, url, c, plan.wrkSeconds());
      double secs = (System.nanoTime() - t0) / 1e9;
      long cpu = target.cpuTicks() - cpu0;
      double rps = find(WRK_RPS, o);
      double p99 = wrkMillis(o);
      double non2xx = find(WRK_NON2XX, o);
      Matcher em = WRK_ERRORS.matcher(o);
      long errors = 0;
      if (em.find()) {
        for (int g = 1; g <= 4; g++) {
          errors += Long.parseLong(em.group(g));
        }
      }
      double cpuPerRequest = rps == 0 ? 0 : cpu * 10_000.0 / (rps * secs);
      steps.add(
          Json.createObjectBuilder()
              .add("connections", c)
              .add("requests_per_s", rps)
              .add("p99_ms", p99)
              .add("p50_ms", wrkQuantileMillis(o, "50%"))
              .add("p90_ms", wrkQuantileMillis(o, "90%"))
              .add("non_2xx", non2xx)
              .add("socket_errors", errors)
              .add("cpu_cores", cpu / 100.0 / secs)
              .add("cpu_us_per_request", cpuPerRequest));
      System.err.printf(
          Locale.ROOT,
          "perf/run serve: %s c=%d %.0f req/s p99 %.2f ms cpu %.2f cores%n",
          target.name,
          c,
          rps,
          p99,
          cpu / 100.0 / secs);
      if (p99 < 10 && non2xx == 0 && errors == 0 && rps > best) {
        best = rps;
        bestP99 = p99;
        bestConnections = c;
        bestCpu = cpuPerRequest;
      }
    }
    return Json.createObjectBuilder()
        .add("target", target.name)
        .add("max_requests_per_s_p99_under_10ms", best)
        .add("at_connections", bestConnections)
        .add("p99_ms_there", bestP99)
        .add("cpu_us_per_request_there", bestCpu)
        .add("steps", steps)
        .add("rss_kib", target.rssKib())
        .add("coordinator", target.coordinatorQuantiles())
        .build();
  }

  private static String wrk(Path script, String url, int connections, int seconds)
      throws Exception {
    Process p =
        new ProcessBuilder(
                "/usr/bin/wrk",
                "-t" + Math.min(2, connections),
                "-c" + connections,
                "-d" + seconds + "s",
                "--latency",
                "-s",
                script.toString(),
                url)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(seconds + 60L, TimeUnit.SECONDS);
    return out;
  }

  private static double find(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double wrkMillis(String o) {
    return wrkQuantileMillis(o, "99%");
  }

  private static double wrkQuantileMillis(String o, String q) {
    Matcher m =
        Pattern.compile("\\s" + Pattern.quote(q) + "\\s+([0-9.]+)(us|ms|s)\\b").matcher(o);
    if (!m.find()) {
      return Double.NaN;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
  }

  // --- figure (c): open streams ---

  private static JsonObject openStreams(Plan plan, ServeTarget target) throws Exception {
    int n = plan.openStreams();
    // Warm the target's paths first, then take the idle figures. One token: the engines' 60 s
    // inter-token delay of this figure must not apply to the warm-up.
    for (int i = 0; i < 50; i++) {
      try (ServeClient c = new ServeClient(target.ports.get(i % target.ports.size()))) {
        c.exchange(request(plan, c.port(), 64, 1), new ServeClient.Answer());
      }
    }
    long heap0 = target.heapUsedAfterGcKib();
    long rss0 = target.rssKib();
    List<ServeClient> clients = new ArrayList<>(n);
    AtomicLong opened = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    String[] firstError = new String[1];
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        ServeClient c = new ServeClient(target.ports.get(i % target.ports.size()));
        clients.add(c);
        // Long streams: the first token at once, then one every 60 s, so each stream is open and
        // idle while the figures are taken.
        byte[] req = request(plan, c.port(), 64, 1000);
        pool.submit(
            () -> {
              try {
                c.openStream(req, new ServeClient.Answer());
                opened.incrementAndGet();
              } catch (Exception e) {
                failed.incrementAndGet();
                synchronized (firstError) {
                  if (firstError[0] == null) {
                    firstError[0] = String.valueOf(e);
                  }
                }
              }
            });
      }
    }
    double openSeconds = (System.nanoTime() - t0) / 1e9;
    long rss1 = target.rssKib();
    long heap1 = target.heapUsedAfterGcKib();
    long rss1b = target.rssKib();
    clients.forEach(ServeClient::close);
    long held = Math.max(1, opened.get());
    return Json.createObjectBuilder()
        .add("target", target.name)
        .add("asked", n)
        .add("opened", opened.get())
        .add("failed", failed.get())
        .add("first_error", String.valueOf(firstError[0]))
        .add("open_seconds", openSeconds)
        .add("rss_idle_kib", rss0)
        .add("rss_open_kib", rss1)
        .add("rss_open_after_gc_kib", rss1b)
        .add("rss_per_stream_kib", (rss1 - rss0) / (double) held)
        .add("heap_idle_after_gc_kib", heap0)
        .add("heap_open_after_gc_kib", heap1)
        .add("heap_per_stream_kib", heap0 < 0 ? -1 : (heap1 - heap0) / (double) held)
        .build();
  }

  // --- helpers ---

  private static JsonObjectBuilder quantiles(Histogram h) {
    return Json.createObjectBuilder()
        .add("count", h.getTotalCount())
        .add("p50", h.getValueAtPercentile(50))
        .add("p90", h.getValueAtPercentile(90))
        .add("p99", h.getValueAtPercentile(99))
        .add("max", h.getMaxValue());
  }

  private static JsonObjectBuilder nanosAsMicros(Histogram h) {
    return Json.createObjectBuilder()
        .add("count", h.getTotalCount())
        .add("p50", h.getValueAtPercentile(50) / 1000.0)
        .add("p90", h.getValueAtPercentile(90) / 1000.0)
        .add("p99", h.getValueAtPercentile(99) / 1000.0)
        .add("max", h.getMaxValue() / 1000.0);
  }

  private static List<Integer> parseInts(String text) {
    List<Integer> out = new ArrayList<>();
    for (String s : text.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos((long) (ms * 1e6));
  }

  private static JsonObject machine() {
    String load = "";
    try {
      load = Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      // not Linux: no load figure
    }
    return Json.createObjectBuilder()
        .add("cores", Runtime.getRuntime().availableProcessors())
        .add("java", System.getProperty("java.version"))
        .add("loadavg_at_start", load)
        .build();
  }
}
