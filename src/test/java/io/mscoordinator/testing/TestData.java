package io.mscoordinator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests' data lives: {@code src/test/resources} of this repository, read from the project
 * directory (the working directory Maven's test plugins give every test). Fixtures, golden files,
 * the corpus of real node bodies and parser suites ({@code corpus/README.md} says where each came
 * from and its license) and the KsanaLLM metric document ({@code spec/}). No test reads anything
 * outside the repository.
 */
public final class TestData {
  /** {@code src/test/resources}. */
  public static final Path RESOURCES = resources();

  /** Real-world material copied from other projects, each with its source and license. */
  public static final Path CORPUS = RESOURCES.resolve("corpus");

  /** {@code /metrics} bodies served by real inference servers. */
  public static final Path NODES = CORPUS.resolve("nodes");

  /** MindIE's node bodies and its coordinator's expected merges of them. */
  public static final Path MINDIE = NODES.resolve("mindie");

  /**
   * The OpenMetrics 1.0 parser suite: one directory per case, {@code test.json} says the verdict.
   */
  public static final Path OPENMETRICS_SUITE =
      CORPUS.resolve("conformance/openmetrics/tests/testdata/parsers");

  /** The Go text-format parser's fuzz corpus: {@code from_test_parse_error_*} must fail. */
  public static final Path EXPFMT_FUZZ =
      CORPUS.resolve("conformance/prometheus-common/expfmt/fuzz/corpus");

  /** KsanaLLM's document of the metrics it reports. */
  public static final Path KSANA_METRICS_DOC = RESOURCES.resolve("spec/ksana-metrics.zh.md");

  private TestData() {}

  /** A file or directory under {@code src/test/resources}. */
  public static Path resource(String relative) {
    return RESOURCES.resolve(relative);
  }

  /** The bytes of {@code path}. */
  public static byte[] bytes(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node body of the corpus, e.g. {@code vllm.prom}. */
  public static byte[] node(String file) {
    return bytes(NODES.resolve(file));
  }

  /** A MindIE file of the corpus, e.g. {@code ms_metricsSingleNodeData_0.prom}. */
  public static byte[] mindie(String file) {
    return bytes(MINDIE.resolve(file));
  }

  private static Path resources() {
    Path dir = Path.of("src", "test", "resources");
    if (!Files.isDirectory(dir.resolve("corpus"))) {
      throw new IllegalStateException(
          "test data not found: dir="
              + dir
              + " working_dir="
              + Path.of("").toAbsolutePath()
              + " (run the tests from the project directory, as Maven does)");
    }
    return dir;
  }
}
