package io.mscoordinator.scrape;

import java.util.List;

/**
 * One node's body parser: a {@link NodeBodyParser} per text exposition format ({@link
 * PrometheusTextParser} for text 0.0.4, {@link OpenMetricsTextParser} for OpenMetrics 1.0), each
 * made on the node's first body in its format, sharing the node's {@link SeriesCells} so that a
 * series keeps its reset compensation when the node changes format. The caller names the format of
 * each body, as the response's {@code Content-Type} said.
 *
 * <p>Confined to the node's scrape thread.
 */
final class TextParser {
  private final int maxSeries;
  private final SeriesPool pool;
  private final SeriesCells cells = new SeriesCells();
  private NodeBodyParser text;
  private NodeBodyParser openMetrics;

  TextParser(int maxSeries) {
    this(maxSeries, new SeriesPool(4 * maxSeries));
  }

  /** A parser whose series are shared through {@code pool} with other nodes' parsers. */
  TextParser(int maxSeries, SeriesPool pool) {
    this.maxSeries = maxSeries;
    this.pool = pool;
  }

  /**
   * Parses {@code len} bytes of {@code body} in the format named, with {@link
   * NodeBodyParser#parse}'s contract.
   */
  List<ParsedFamily> parse(byte[] body, int len, boolean openMetrics) throws ParseException {
    return parser(openMetrics).parse(body, len);
  }

  /** This node's parser of OpenMetrics 1.0 or of text 0.0.4. */
  NodeBodyParser parser(boolean openMetrics) {
    if (openMetrics) {
      if (this.openMetrics == null) {
        this.openMetrics = new OpenMetricsTextParser(maxSeries, pool, cells);
      }
      return this.openMetrics;
    }
    if (text == null) {
      text = new PrometheusTextParser(maxSeries, pool, cells);
    }
    return text;
  }
}
