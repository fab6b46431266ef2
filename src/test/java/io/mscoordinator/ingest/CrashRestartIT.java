package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestHttp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator killed with SIGKILL while a writer process keeps writing into the ring file, then
 * started again on the same file: the records written while it was down are counted exactly by the
 * new process, even those written under registrations only the dead process had read (see {@link
 * IngestAgent}, restart after a crash). The coordinators are the README's launcher, {@code
 * bin/ms-coordinator}; the writer is {@link RingFileWriterMain} in a third JVM.
 */
// two coordinator starts of up to 90 s each, a writer of up to 60 s, counters up to 60 s
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CrashRestartIT {
  private static final Path LAUNCHER = Path.of("bin", "ms-coordinator").toAbsolutePath();
  private static final int BEFORE_KILL = 20_000;
  private static final int WHILE_DOWN = 30_000;
  private static final int AFTER_RESTART = 10_000;

  @TempDir Path dir;

  @Test
  void shouldCountEveryRecordWrittenWhileTheCoordinatorWasKilledAndRestarted() throws Exception {
    Path ring = dir.resolve("metrics.ring");
    Process first = startCoordinator("first", ring);
    Process writer = null;
    Process second = null;
    try {
      TestHttp firstHttp = awaitStarted(first, "first");
      writer = startWriter(ring);
      BufferedReader writerOut = writer.inputReader(StandardCharsets.UTF_8);
      assertThat(writerOut.readLine(), is("phase 1 done"));
      assertThat(
          "counter before the kill",
          awaitSample(firstHttp, "forward_req_total_num_total", BEFORE_KILL),
          is((double) BEFORE_KILL));

      first.destroyForcibly(); // SIGKILL: no clean stop, the file's epoch stays as it was
      assertThat(first.waitFor(30, TimeUnit.SECONDS), is(true));
      assertThat("killed, not stopped", first.exitValue(), is(137));

      OutputStream writerIn = writer.getOutputStream();
      writerIn.write("go\n".getBytes(StandardCharsets.UTF_8));
      writerIn.flush();
      assertThat(writerOut.readLine(), is("phase 2 done"));

      second = startCoordinator("second", ring);
      TestHttp secondHttp = awaitStarted(second, "second");
      writerIn.write("go\n".getBytes(StandardCharsets.UTF_8));
      writerIn.flush();
      assertThat(writerOut.readLine(), is("phase 3 done"));
      assertThat(writer.waitFor(60, TimeUnit.SECONDS), is(true));
      assertThat("writer exit code", writer.exitValue(), is(0));

      long expected = WHILE_DOWN + AFTER_RESTART;
      assertThat(
          "counter after the restart",
          awaitSample(secondHttp, "forward_req_total_num_total", expected),
          is((double) expected));
      String body = secondHttp.get("/metrics").body();
      assertThat(sample(body, "time_to_first_token_us_count"), is((double) expected));
      assertThat(
          sample(body, "time_to_first_token_us_sum"),
          is((double) sum(BEFORE_KILL + 1, BEFORE_KILL + expected)));
      assertThat(
          body,
          sample(
              body,
              "ms_coordinator_ingest_dropped_total",
              "reason=\"unknown_series\",transport=\"file\""),
          is(0.0));
      assertThat(secondHttp.get("/v1/health").statusCode(), is(200));
    } finally {
      if (writer != null) {
        writer.destroyForcibly();
      }
      first.destroyForcibly();
      if (second != null) {
        second.destroy();
        if (!second.waitFor(30, TimeUnit.SECONDS)) {
          second.destroyForcibly();
        }
      }
    }
  }

  private Process startCoordinator(String name, Path ring) throws IOException {
    Path config = dir.resolve(name + ".json");
    String shipped = Files.readString(Path.of("config", "ms_coordinator.json"));
    Files.writeString(
        config,
        shipped
            .replace("\"predict_port\": \"1025\"", "\"predict_port\": \"" + freePort() + "\"")
            .replace("\"manage_port\": \"1026\"", "\"manage_port\": \"" + freePort() + "\"")
            // the OTLP listener too: another coordinator on the machine may hold 4318
            .replace("\"port\": \"4318\"", "\"port\": \"" + freePort() + "\"")
            .replace("/dev/shm/ms_coordinator_metrics.ring", ring.toString())
            .replace("\"ring_capacity_bytes\": 67108864", "\"ring_capacity_bytes\": 4194304"));
    // A child must not write into surefire's stdout; its output goes to a file.
    ProcessBuilder builder =
        new ProcessBuilder(List.of(LAUNCHER.toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH", config.toString());
    return builder.start();
  }

  private TestHttp awaitStarted(Process process, String name) throws Exception {
    String config = Files.readString(dir.resolve(name + ".json"));
    Matcher port = Pattern.compile("\"manage_port\": \"(\\d+)\"").matcher(config);
    assertThat(port.find(), is(true));
    TestHttp http = new TestHttp(URI.create("http://127.0.0.1:" + port.group(1)));
    int status =
        Eventually.poll(
            () -> http.status("/v1/startup"),
            s -> s == 200 || !process.isAlive(),
            Duration.ofSeconds(90),
            Duration.ofMillis(50));
    assertThat(Files.readString(dir.resolve(name + ".log")), status, is(200));
    return http;
  }

  private Process startWriter(Path ring) throws IOException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    return new ProcessBuilder(
            List.of(
                java,
                "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                RingFileWriterMain.class.getName(),
                ring.toString(),
                Integer.toString(BEFORE_KILL),
                Integer.toString(WHILE_DOWN),
                Integer.toString(AFTER_RESTART)))
        .redirectError(dir.resolve("writer.err").toFile())
        .start();
  }

  private static double awaitSample(TestHttp http, String name, double expected)
      throws InterruptedException {
    return Eventually.poll(
        () -> sample(http.get("/metrics").body(), name),
        value -> value == expected,
        Duration.ofSeconds(60),
        Duration.ofMillis(50));
  }

  private static double sample(String body, String name) {
    return sample(body, name, "instance=\"child\"");
  }

  /** The value of the sample line {@code name{labels} value}, or -1 when there is none. */
  private static double sample(String body, String name, String labels) {
    Matcher m =
        Pattern.compile(
                "^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE)
            .matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static long sum(long from, long to) {
    return (from + to) * (to - from + 1) / 2;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
