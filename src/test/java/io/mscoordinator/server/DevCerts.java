package io.mscoordinator.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs {@code config/make-dev-certs.sh} into a directory: the tests use real openssl certs. */
final class DevCerts {
  private DevCerts() {}

  static void make(Path dir) throws IOException, InterruptedException {
    Path script = Path.of("config", "make-dev-certs.sh").toAbsolutePath();
    Path log = dir.resolve("make-dev-certs.log");
    // The child writes to a file: inheriting surefire's stdout would corrupt its channel.
    Process process =
        new ProcessBuilder("bash", script.toString(), dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("make-dev-certs.sh timed out; log: " + Files.readString(log));
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "make-dev-certs.sh exit=" + process.exitValue() + "; log: " + Files.readString(log));
    }
  }
}
