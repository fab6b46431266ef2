package io.mscoordinator.perf;

import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.server.CoordinatorConfig;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The controller's load on the coordinator: a full refresh of up to 4096 instances at a fixed rate,
 * offline/online churn, and {@code /recvs_info} + readiness polling, all at once.
 *
 * <p>Run: {@code perf/run controller [--instances 4096] [--seconds 30] [--refresh-per-s 1]
 * [--target http://127.0.0.1:1026]}. Without {@code --target} it starts a coordinator in this JVM
 * on the shipped config (pd_separate) on a free loopback port. Prints one JSON object with
 * p50/p90/p99/max latency per operation and errors; writes it to {@code --out} when given.
 *
 * <p>Compares against: no peer implements this API; the figures are the coordinator's own (refresh
 * latency for the largest allowed membership, probe latency under churn).
 */
public final class ControllerLoad {
  private ControllerLoad() {}

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    int instances = args.integer("instances", 4096, 2, 4096);
    int seconds = args.integer("seconds", 30, 1, LoadArgs.MAX_SECONDS);
    int refreshPerSecond = args.integer("refresh-per-s", 1, 1, 100);
    URI target = args.loopbackTarget("target");
    Coordinator local = null;
    if (target == null) {
      CoordinatorConfig config;
      try (InputStream in = ControllerLoad.class.getResourceAsStream("/ms_coordinator.json")) {
        config =
            ConfigLoader.parse(Json.createReader(in).readObject(), null, new String[0])
                .withEphemeralPorts();
      }
      local = Coordinator.start(config);
      target = local.uri(Coordinator.MANAGE);
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    LatencyRecorder refresh = new LatencyRecorder("refresh");
    LatencyRecorder churn = new LatencyRecorder("offline_online");
    LatencyRecorder recvs = new LatencyRecorder("recvs_info");
    LatencyRecorder ready = new LatencyRecorder("readiness");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads =
        start(client, target, instances, refreshPerSecond, end, refresh, churn, recvs, ready);
    for (Thread thread : threads) {
      thread.join();
    }
    if (local != null) {
      local.close();
    }

    JsonObjectBuilder ops = Json.createObjectBuilder();
    for (LatencyRecorder r : List.of(refresh, churn, recvs, ready)) {
      ops.add(r.name(), r.summary());
    }
    JsonObject result =
        Json.createObjectBuilder()
            .add("scenario", "controller")
            .add("date", Instant.now().toString())
            .add("instances", instances)
            .add("seconds", seconds)
            .add("refresh_per_s", refreshPerSecond)
            .add("target", local == null ? target.toString() : "in-process")
            .add("operations", ops)
            .build();
    System.out.println(result);
    String out = args.text("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), result.toString() + "\n");
      java.util.Map<String, org.HdrHistogram.Histogram> plot = new java.util.LinkedHashMap<>();
      for (LatencyRecorder r : List.of(refresh, churn, recvs, ready)) {
        plot.put(r.name(), r.histogram());
      }
      PercentilePlot.write(
          Path.of(out.replaceFirst("\\.json$", "") + ".png"),
          "Management API latency under controller load: "
              + instances
              + " instances, "
              + seconds
              + " s",
          plot);
    }
  }

  /**
   * Refreshes once (offline/online answer 503 before the first refresh), then starts the
   * controller's three loops on virtual threads until {@code end} (System.nanoTime): refresh at
   * {@code refreshPerSecond}, offline + online of a random instance every 50 ms, {@code
   * /recvs_info} and readiness every 100 ms.
   */
  static List<Thread> start(
      HttpClient client,
      URI base,
      int instances,
      int refreshPerSecond,
      long end,
      LatencyRecorder refresh,
      LatencyRecorder churn,
      LatencyRecorder recvs,
      LatencyRecorder ready) {
    return start(
        client, base, instances, null, refreshPerSecond, end, refresh, churn, recvs, ready);
  }

  /**
   * As {@link #start(HttpClient, URI, int, int, long, LatencyRecorder, LatencyRecorder,
   * LatencyRecorder, LatencyRecorder)}, the instances' {@code metric_port}s taken in turn from
   * {@code metricPorts} on 127.0.0.1 (fake nodes the coordinator then scrapes), or {@code null} for
   * addresses nothing listens on.
   */
  static List<Thread> start(
      HttpClient client,
      URI base,
      int instances,
      int[] metricPorts,
      int refreshPerSecond,
      long end,
      LatencyRecorder refresh,
      LatencyRecorder churn,
      LatencyRecorder recvs,
      LatencyRecorder ready) {
    String[] bodies = {
      body(instances, "model-a", metricPorts), body(instances, "model-b", metricPorts)
    };
    post(client, base, "/v1/instances/refresh", bodies[1], refresh);
    List<Thread> threads = new ArrayList<>();
    threads.add(
        Thread.ofVirtual()
            .start(
                () -> {
                  long period = TimeUnit.SECONDS.toNanos(1) / refreshPerSecond;
                  long next = System.nanoTime();
                  for (int n = 0; System.nanoTime() < end; n++) {
                    post(client, base, "/v1/instances/refresh", bodies[n % 2], refresh);
                    next += period;
                    sleepUntil(next);
                  }
                }));
    threads.add(
        Thread.ofVirtual()
            .start(
                () -> {
                  while (System.nanoTime() < end) {
                    int id = ThreadLocalRandom.current().nextInt(instances);
                    String ids = "{\"ids\":[" + id + "]}";
                    post(client, base, "/v1/instances/offline", ids, churn);
                    post(client, base, "/v1/instances/online", ids, churn);
                    sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
                  }
                }));
    threads.add(
        Thread.ofVirtual()
            .start(
                () -> {
                  while (System.nanoTime() < end) {
                    get(client, base, "/recvs_info", recvs);
                    get(client, base, "/v1/readiness", ready);
                    sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
                  }
                }));
    return threads;
  }

  static void post(
      HttpClient client, URI base, String path, String body, LatencyRecorder recorder) {
    send(
        client,
        HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)),
        recorder);
  }

  static void get(HttpClient client, URI base, String path, LatencyRecorder recorder) {
    send(client, HttpRequest.newBuilder(base.resolve(path)).GET(), recorder);
  }

  private static void send(HttpClient client, HttpRequest.Builder request, LatencyRecorder r) {
    long start = System.nanoTime();
    try {
      HttpResponse<Void> response =
          client.send(
              request.timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.discarding());
      // Readiness may truthfully be 503 mid-churn; only 4xx/5xx other than that count.
      int status = response.statusCode();
      r.record(start, status == 200 || status == 503 && r.name().equals("readiness"));
    } catch (Exception e) {
      r.record(start, false);
    }
  }

  private static void sleepUntil(long deadline) {
    long wait = deadline - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A refresh body: half prefill, half decode, each decode peered with instance 0. */
  static String body(int count, String model) {
    return body(count, model, null);
  }

  /** As {@link #body(int, String)}, with metric ports from {@code metricPorts} when not null. */
  static String body(int count, String model, int[] metricPorts) {
    JsonArrayBuilder ids = Json.createArrayBuilder();
    JsonArrayBuilder list = Json.createArrayBuilder();
    for (int i = 0; i < count; i++) {
      boolean decode = i % 2 == 1;
      JsonObjectBuilder dynamic =
          Json.createObjectBuilder().add("avail_slots_num", 100).add("avail_block_num", 512);
      if (decode) {
        dynamic.add("peers", Json.createArrayBuilder().add(0));
      }
      ids.add(i);
      list.add(
          Json.createObjectBuilder()
              .add("id", i)
              .add("ip", metricPorts == null ? "127.0.0." + (1 + i % 250) : "127.0.0.1")
              .add("port", Integer.toString(10000 + i))
              .add(
                  "metric_port",
                  Integer.toString(
                      metricPorts == null ? 20000 + i : metricPorts[i % metricPorts.length]))
              .add("model_name", model)
              .add(
                  "static_info",
                  Json.createObjectBuilder()
                      .add("group_id", i / 8)
                      .add("max_seq_len", 8192)
                      .add("max_output_len", 2048)
                      .add("total_slots_num", 200)
                      .add("total_block_num", 4096)
                      .add("block_size", 128)
                      .add("label", decode ? 3 : 2)
                      .add("role", decode ? 68 : 80))
              .add("dynamic_info", dynamic));
    }
    return Json.createObjectBuilder().add("ids", ids).add("instances", list).build().toString();
  }
}
