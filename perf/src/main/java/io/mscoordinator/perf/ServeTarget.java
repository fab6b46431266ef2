package io.mscoordinator.perf;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One thing the serve load goes through: the engines directly, nginx, HAProxy or the coordinator,
 * each started as a child process on free loopback ports with the same upstreams (the fake engines'
 * ports) and stopped after its run. Confined to the load generator's main thread.
 */
final class ServeTarget implements AutoCloseable {
  private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+)");
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  final String name;
  /** The ports clients connect to, used round robin (several only for {@code direct}). */
  final List<Integer> ports;

  private final Process process;
  private final int managePort;

  private ServeTarget(String name, List<Integer> ports, Process process, int managePort) {
    this.name = name;
    this.ports = ports;
    this.process = process;
    this.managePort = managePort;
  }

  /**
   * Starts {@code name} in front of {@code engines}: {@code direct}, {@code nginx}, {@code
   * haproxy}, {@code coordinator}, {@code coordinator-nometrics} (the coordinator with env {@code
   * MS_COORDINATOR_REQUEST_METRICS=off}) or {@code coordinator-vrelay} (env {@code
   * MS_COORDINATOR_STREAM_RELAY=virtual}: streams relayed on the request's virtual thread).
   */
  static ServeTarget start(
      String name, List<Integer> engines, Path home, Path dir, String coordinatorJavaOpts)
      throws Exception {
    Path own = Files.createDirectories(dir.resolve(name));
    return switch (name) {
      case "direct" -> new ServeTarget(name, List.copyOf(engines), null, 0);
      case "nginx" -> nginx(engines, own);
      case "haproxy" -> haproxy(engines, own);
      case "coordinator", "coordinator-nometrics", "coordinator-vrelay" ->
          coordinator(name, engines, home, own, coordinatorJavaOpts);
      default -> throw new IllegalArgumentException("unknown serve target: target=" + name);
    };
  }

  private static ServeTarget nginx(List<Integer> engines, Path dir) throws Exception {
    int port = freePort();
    StringBuilder upstream = new StringBuilder();
    for (int p : engines) {
      upstream.append("    server 127.0.0.1:").append(p).append(";\n");
    }
    Files.createDirectories(dir.resolve("tmp"));
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(
        conf,
        """
        daemon off;
        user root;
        master_process on;
        worker_processes auto;
        worker_rlimit_nofile 19000;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 19000; multi_accept on; }
        http {
          access_log off;
          client_body_temp_path %1$s/tmp/body;
          proxy_temp_path %1$s/tmp/proxy;
          fastcgi_temp_path %1$s/tmp/fastcgi;
          uwsgi_temp_path %1$s/tmp/uwsgi;
          scgi_temp_path %1$s/tmp/scgi;
          keepalive_requests 100000000;
          keepalive_timeout 600s;
          client_max_body_size 10m;
          upstream engines {
        %2$s    keepalive 2048;
            keepalive_requests 100000000;
            keepalive_timeout 600s;
          }
          server {
            listen 127.0.0.1:%3$d backlog=8192;
            location / {
              proxy_pass http://engines;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_buffering off;
              proxy_request_buffering off;
              proxy_read_timeout 600s;
            }
          }
        }
        """
            .formatted(dir, upstream, port));
    Process p =
        new ProcessBuilder("/usr/sbin/nginx", "-c", conf.toString(), "-p", dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    awaitListening(p, port, "nginx");
    return new ServeTarget("nginx", List.of(port), p, 0);
  }

  private static ServeTarget haproxy(List<Integer> engines, Path dir) throws Exception {
    int port = freePort();
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < engines.size(); i++) {
      servers
          .append("  server e")
          .append(i)
          .append(" 127.0.0.1:")
          .append(engines.get(i))
          .append('\n');
    }
    Path conf = dir.resolve("haproxy.cfg");
    // http-keep-alive is HAProxy's default mode (option http-server-close stays off).
    // http-no-delay: without it HAProxy sends with MSG_MORE and the kernel holds a lone small
    // chunk up to 200 ms (measured: TTFT p50 233 ms against 25 ms direct); a streaming LLM proxy
    // must set it, so the baseline does.
    Files.writeString(
        conf,
        """
        global
          maxconn 9800
          nbthread 2
        defaults
          mode http
          option http-keep-alive
          option http-no-delay
          http-reuse always
          timeout connect 5s
          timeout client 600s
          timeout server 600s
          timeout http-keep-alive 600s
        frontend serve
          bind 127.0.0.1:%d
          maxconn 9800
          default_backend engines
        backend engines
          balance roundrobin
        %s"""
            .formatted(port, servers));
    Process p =
        new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("haproxy.out").toFile())
            .start();
    awaitListening(p, port, "haproxy");
    return new ServeTarget("haproxy", List.of(port), p, 0);
  }

  private static ServeTarget coordinator(
      String name,
      List<Integer> engines,
      Path home,
      Path dir,
      String javaOpts)
      throws Exception {
    int predict = freePort();
    int manage = freePort();
    JsonObject shipped;
    try (InputStream in =
        Files.newInputStream(home.resolve("config/ms_coordinator_single_node.json"))) {
      shipped = Json.createReader(in).readObject();
    }
    JsonObject config =
        Json.createObjectBuilder(shipped)
            .add(
                "http_config",
                Json.createObjectBuilder(shipped.getJsonObject("http_config"))
                    .add("predict_port", Integer.toString(predict))
                    .add("manage_port", Integer.toString(manage)))
            .add(
                "request_limit",
                Json.createObjectBuilder(shipped.getJsonObject("request_limit"))
                    .add("max_concurrent_requests", 40_000)
                    .add("max_connections", 40_000)
                    .add("max_requests", 40_000)
                    .add("single_node_max_requests", 15_000))
            .add(
                "metrics_config",
                Json.createObjectBuilder(shipped.getJsonObject("metrics_config"))
                    .add("ring_file", dir.resolve("metrics.ring").toString()))
            .add(
                "otlp_config",
                Json.createObjectBuilder(shipped.getJsonObject("otlp_config"))
                    .add("enable", false)
                    .add("port", Integer.toString(freePort())))
            .add(
                "log_info",
                Json.createObjectBuilder(shipped.getJsonObject("log_info"))
                    .add("log_level", "WARNING"))
            .build();
    Path file = dir.resolve("ms_coordinator.json");
    Files.writeString(file, config.toString());
    ProcessBuilder pb =
        new ProcessBuilder(home.resolve("bin/ms-coordinator").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("coordinator.log").toFile());
    pb.environment().put("MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH", file.toString());
    pb.environment().put("MS_COORDINATOR_JAVA_OPTS", javaOpts);
    if (name.equals("coordinator-nometrics")) {
      pb.environment().put("MS_COORDINATOR_REQUEST_METRICS", "off");
    }
    if (name.equals("coordinator-vrelay")) {
      pb.environment().put("MS_COORDINATOR_STREAM_RELAY", "virtual");
    }
    Process p = pb.start();
    ServeTarget target = new ServeTarget(name, List.of(predict), p, manage);
    try {
      awaitListening(p, manage, name);
      target.register(engines);
      target.awaitServing();
    } catch (Exception e) {
      target.close();
      throw e;
    }
    return target;
  }

  /** Registers the engines through the manage API, as the controller would. */
  private void register(List<Integer> engines) throws Exception {
    JsonArrayBuilder ids = Json.createArrayBuilder();
    JsonArrayBuilder instances = Json.createArrayBuilder();
    for (int i = 0; i < engines.size(); i++) {
      ids.add(i + 1);
      instances.add(
          Json.createObjectBuilder()
              .add("id", i + 1)
              .add("ip", "127.0.0.1")
              .add("port", Integer.toString(engines.get(i)))
              .add("metric_port", Integer.toString(engines.get(i)))
              .add("model_name", "llama")
              .add(
                  "static_info",
                  Json.createObjectBuilder()
                      .add("group_id", 0)
                      .add("max_seq_len", 65_536)
                      .add("max_output_len", 65_535)
                      .add("total_slots_num", 5_000)
                      .add("total_block_num", 1_000_000)
                      .add("block_size", 128)
                      .add("label", 2)
                      .add("role", 80))
              .add(
                  "dynamic_info",
                  Json.createObjectBuilder()
                      .add("avail_slots_num", 5_000)
                      .add("avail_block_num", 1_000_000)));
    }
    String body =
        Json.createObjectBuilder().add("ids", ids).add("instances", instances).build().toString();
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managePort))
                  .uri(URI.create("http://127.0.0.1:" + managePort + "/v1/instances/refresh"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "refresh refused: status=" + r.statusCode() + " body=" + r.body());
      }
    }
  }

  /** Waits until a small request through the target is answered 200 (instances online). */
  private void awaitServing() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    byte[] body =
        "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":1}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int port = ports.get(0);
    String head =
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:"
            + port
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    byte[] request = (head + new String(body, java.nio.charset.StandardCharsets.ISO_8859_1))
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    int last = 0;
    while (System.nanoTime() < deadline) {
      try (ServeClient c = new ServeClient(port)) {
        ServeClient.Answer a = new ServeClient.Answer();
        c.exchange(request, a);
        last = a.status;
        if (last == 200) {
          return;
        }
      } catch (IOException e) {
        last = -1;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(name + " not serving within 60 s: lastStatus=" + last);
  }

  /** The coordinator's {@code ms_coordinator_*} quantile lines from {@code /metrics}. */
  JsonObject coordinatorQuantiles() {
    var b = Json.createObjectBuilder();
    if (managePort == 0) {
      return b.build();
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      String body =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + managePort + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : body.split("\n")) {
        if (line.startsWith("ms_coordinator_")
            && (line.contains("quantile=\"") || line.contains("_count{"))) {
          int space = line.lastIndexOf(' ');
          double v = Double.parseDouble(line.substring(space + 1));
          if (Double.isFinite(v)) { // a histogram never recorded into has NaN quantiles
            b.add(line.substring(0, space), v);
          }
        }
      }
    } catch (Exception e) {
      b.add("error", String.valueOf(e));
    }
    return b.build();
  }

  /** The target's process and its descendants (nginx's workers); empty for direct. */
  List<ProcessHandle> processes() {
    List<ProcessHandle> all = new ArrayList<>();
    if (process != null) {
      all.add(process.toHandle());
      process.descendants().forEach(all::add);
    }
    return all;
  }

  /** utime + stime of the target's processes, in clock ticks (1/100 s); 0 for direct. */
  long cpuTicks() {
    long ticks = 0;
    for (ProcessHandle h : processes()) {
      ticks += cpuTicks(h.pid());
    }
    return ticks;
  }

  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Resident set of the target's processes, in KiB. */
  long rssKib() {
    long kib = 0;
    for (ProcessHandle h : processes()) {
      try {
        Matcher m =
            RSS.matcher(Files.readString(Path.of("/proc", Long.toString(h.pid()), "status")));
        if (m.find()) {
          kib += Long.parseLong(m.group(1));
        }
      } catch (IOException e) {
        // the process went: counts nothing
      }
    }
    return kib;
  }

  /** The coordinator's live heap after a full GC, in KiB ({@code jcmd}); -1 for the others. */
  long heapUsedAfterGcKib() {
    if (managePort == 0) {
      return -1;
    }
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    String pid = Long.toString(process.pid());
    try {
      run(jcmd.toString(), pid, "GC.run");
      Matcher m = USED.matcher(run(jcmd.toString(), pid, "GC.heap_info"));
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> all = processes();
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        all.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : all) {
      h.destroyForcibly();
    }
  }

  private static void awaitListening(Process p, int port, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(what + " exited: code=" + p.exitValue());
      }
      try (var s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(what + " not listening within 120 s: port=" + port);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
