package io.mscoordinator.scrape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths into the shared corpus of real bodies, relative to the project root. */
final class Corpus {
  static final Path ROOT = Path.of("..", "shared", "corpus");
  static final Path NODES = ROOT.resolve("nodes");
  static final Path MINDIE = NODES.resolve("mindie");

  private Corpus() {}

  static byte[] bytes(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] mindie(String file) {
    return bytes(MINDIE.resolve(file));
  }
}
