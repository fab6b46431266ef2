package io.mscoordinator.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.mscoordinator.Eventually;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** What the tests of hostile clients read off a raw socket and off the process. */
public final class Hostile {
  private Hostile() {}

  /** The status line of the response, "closed" when none came, "timeout" when none came yet. */
  public static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    try {
      for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
        if (c != '\r') {
          line.append((char) c);
        }
      }
    } catch (SocketTimeoutException e) {
      return "timeout";
    }
    return line.isEmpty() ? "closed" : line.toString();
  }

  /** The file descriptors this JVM has open now. */
  public static long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until at most {@code most} file descriptors are open, failing after {@code within}. */
  public static void awaitFileDescriptorsAtMost(long most, Duration within)
      throws InterruptedException {
    long open =
        Eventually.poll(
            Hostile::openFileDescriptors, n -> n <= most, within, Duration.ofMillis(100));
    assertThat("open file descriptors", open, lessThanOrEqualTo(most));
  }
}
