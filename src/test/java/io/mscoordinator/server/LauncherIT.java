package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's start command as a user runs it: {@code bin/ms-coordinator}, a separate process on
 * the shipped config (with the positional arguments moving it to free ports).
 */
// up to 90 s for the launcher to build and start, 60 s for it to exit
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherIT {
  private static final Path LAUNCHER = Path.of("bin", "ms-coordinator").toAbsolutePath();

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code n} distinct free ports: each held until all are taken, as two ports taken one after the
   * other may be the same (the shipped-config test once got its OTLP port equal to its manage
   * port).
   */
  private static int[] freePorts(int n) {
    List<ServerSocket> held = new java.util.ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // released either way
        }
      }
    }
  }

  private static ProcessBuilder launcher(Path log, List<String> args) {
    List<String> command = new java.util.ArrayList<>();
    command.add(LAUNCHER.toString());
    command.addAll(args);
    // A child must not write into surefire's stdout; its output goes to a file we read back.
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
  }

  @Test
  void shouldStartOnShippedConfigAndExitZeroOnSigterm(@TempDir Path dir) throws Exception {
    int[] ports = freePorts(3);
    int predict = ports[0];
    int manage = ports[1];
    Path log = dir.resolve("coordinator.log");
    // The positional arguments cannot move the OTLP listener; a free port keeps 4318 untouched.
    Path config = dir.resolve("ms_coordinator.json");
    Files.writeString(
        config,
        Files.readString(Path.of("config", "ms_coordinator.json"))
            .replace("\"port\": \"4318\"", "\"port\": \"" + ports[2] + "\""));
    ProcessBuilder builder =
        launcher(log, List.of("127.0.0.1", "" + predict, "127.0.0.1", "" + manage));
    builder.environment().put(ConfigLoader.ENV_PATH, config.toString());
    Process process = builder.start();
    try {
      TestHttp http = new TestHttp(URI.create("http://127.0.0.1:" + manage));
      int status =
          Eventually.poll(
              () -> http.status("/v1/startup"),
              s -> s == 200 || !process.isAlive(),
              Duration.ofSeconds(90),
              Duration.ofMillis(50));
      assertThat(Files.readString(log), status, is(200));
      assertThat(http.get("/v1/health").statusCode(), is(200));

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS), is(true));
      assertThat(Files.readString(log), process.exitValue(), is(0));
      assertThat(Files.readString(log), containsString("stopping: shutdown requested"));
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void shouldExitNonZeroWithOneLineNamingTheKeyOnBadConfig(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("bad.json");
    Files.writeString(
        config,
        Files.readString(Path.of("config", "ms_coordinator.json"))
            .replace("\"manage_port\": \"1026\"", "\"manage_port\": \"80\""));
    Path log = dir.resolve("out.log");
    ProcessBuilder builder = launcher(log, List.of());
    builder.environment().put(ConfigLoader.ENV_PATH, config.toString());

    Process process = builder.start();

    assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
    assertThat(process.exitValue(), is(2));
    List<String> lines = Files.readAllLines(log);
    assertThat(lines.toString(), lines.size(), is(1));
    assertThat(lines.get(0), containsString("config error: key=http_config.manage_port"));
    assertThat(lines.get(0), containsString("rule=port string in [\"1024\",\"65535\"]"));
  }

  @Test
  void shouldExitOneWhenManagePortIsTaken(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path log = dir.resolve("out.log");
      Process process =
          launcher(
                  log,
                  List.of("127.0.0.1", "" + freePort(), "127.0.0.1", "" + taken.getLocalPort()))
              .start();

      assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
      assertThat(Files.readString(log), process.exitValue(), is(1));
      assertThat(Files.readString(log), containsString("listener failed to bind: name=manage"));
    }
  }
}
