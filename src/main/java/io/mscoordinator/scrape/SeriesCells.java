package io.mscoordinator.scrape;

import java.util.HashMap;
import java.util.Map;

/**
 * One node's {@link SeriesCell}s, one per series, shared by the node's parsers of every exposition
 * format: a series keeps its reset compensation, and is found twice in one body, whichever format
 * the node sends from one scrape to the next. Also numbers the node's bodies, so that a cell or a
 * parser's family slot knows whether it was set in the body being parsed.
 *
 * <p>Confined to the node's scrape thread.
 */
final class SeriesCells {
  private final Map<Series, SeriesCell> cells = new HashMap<>();
  private int body;
  private int clears;

  /** The cell of {@code series}, made on first sight. */
  SeriesCell cell(Series series) {
    return cells.computeIfAbsent(series, s -> new SeriesCell());
  }

  int size() {
    return cells.size();
  }

  /** Starts a body; returns its number, different from every earlier body's of this node. */
  int nextBody() {
    return ++body;
  }

  /**
   * Drops every cell, and with them the reset compensation they held. Each parser holding cells
   * must drop its own tables before its next body: it sees {@link #clears()} change.
   */
  void clear() {
    cells.clear();
    clears++;
  }

  /** How many times {@link #clear()} ran. */
  int clears() {
    return clears;
  }
}
