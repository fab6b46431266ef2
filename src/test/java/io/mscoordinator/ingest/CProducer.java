package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The C test producer ({@code native/test/ms_metrics_test_producer.c}, built by {@link
 * NativeWriterTest#buildNativeLibrary}) as a child process writing into a ring file, its output in
 * files of the test's directory (never surefire's stdout).
 */
final class CProducer {
  private static final Path BINARY =
      Path.of("target", "native-build").resolve("ms_metrics_test_producer");
  private static final Pattern RESULT =
      Pattern.compile("written=(\\d+) failed=(\\d+) dropped_ring_full=(\\d+) reopens=(\\d+)");

  /** What a finished producer printed. */
  record Result(long written, long failed, long droppedRingFull, long reopens) {}

  private final Process process;
  private final Path out;
  private final Path err;
  private final String id;

  private CProducer(Process process, Path out, Path err, String id) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.id = id;
  }

  /**
   * Starts {@code threads} x {@code events} through the REPORT_* macros and the explicit API.
   *
   * @param mode {@code retry} (repeat a call refused on a full ring) or {@code drop}
   * @param pauseUs sleep per thread after every 100 events, 0 for none
   */
  static CProducer start(
      Path dir, Path ring, String id, int threads, int events, String mode, long pauseUs)
      throws IOException {
    Path out = dir.resolve("producer-" + id + ".out");
    Path err = dir.resolve("producer-" + id + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(
                BINARY.toAbsolutePath().toString(),
                id,
                Integer.toString(threads),
                Integer.toString(events),
                mode,
                Long.toString(pauseUs))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("MS_COORDINATOR_METRICS_RING_FILE", ring.toAbsolutePath().toString());
    pb.environment().put("MS_COORDINATOR_METRICS_LABELS", "instance=native");
    return new CProducer(pb.start(), out, err, id);
  }

  /** Waits up to 120 s for the producer to finish with exit code 0; its printed figures. */
  Result await() throws Exception {
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("C producer did not finish within 120 s: id=" + id);
    }
    String printed = Files.readString(out);
    assertThat("producer exit code, stderr: " + Files.readString(err), process.exitValue(), is(0));
    Matcher m = RESULT.matcher(printed);
    assertThat("producer output: " + printed, m.find(), is(true));
    return new Result(
        Long.parseLong(m.group(1)),
        Long.parseLong(m.group(2)),
        Long.parseLong(m.group(3)),
        Long.parseLong(m.group(4)));
  }
}
