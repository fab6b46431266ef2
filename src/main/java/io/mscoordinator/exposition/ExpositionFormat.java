package io.mscoordinator.exposition;

import java.util.Locale;

/**
 * The two exposition formats, how a request's {@code Accept} header picks one, and the writer of
 * each. Immutable.
 */
public enum ExpositionFormat {
  /** Prometheus text format 0.0.4: {@link PrometheusTextWriter}. */
  PROMETHEUS_TEXT(PrometheusTextWriter.CONTENT_TYPE),
  /** OpenMetrics text 1.0.0: {@link OpenMetricsTextWriter}. */
  OPENMETRICS(OpenMetricsTextWriter.CONTENT_TYPE);

  private final String contentType;

  ExpositionFormat(String contentType) {
    this.contentType = contentType;
  }

  /** The Content-Type of a body in this format. */
  public String contentType() {
    return contentType;
  }

  /** A new writer of this format, with its own buffers. */
  public ExpositionWriter newWriter() {
    return this == OPENMETRICS ? new OpenMetricsTextWriter() : new PrometheusTextWriter();
  }

  /**
   * The format for an {@code Accept} header, as Prometheus sends it (e.g. {@code
   * application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
   * text/plain;version=0.0.4;q=0.5,*}{@code /*;q=0.1}): OpenMetrics when an {@code
   * application/openmetrics-text} range has a q above zero and at least that of {@code text/plain};
   * otherwise (also for a missing header) Prometheus text.
   */
  public static ExpositionFormat negotiate(String accept) {
    if (accept == null || accept.isEmpty()) {
      return PROMETHEUS_TEXT;
    }
    double openMetrics = 0;
    double text = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = quality(parts);
      String version = parameter(parts, "version");
      if (type.equals("application/openmetrics-text")
          && (version == null || version.equals("1.0.0") || version.equals("0.0.1"))) {
        openMetrics = Math.max(openMetrics, q);
      } else if (type.equals("text/plain")) {
        text = Math.max(text, q);
      }
    }
    return openMetrics > 0 && openMetrics >= text ? OPENMETRICS : PROMETHEUS_TEXT;
  }

  /**
   * The {@code q} parameter of a split header element ({@code parts[0]} is the value): 1 if absent,
   * 0 if malformed.
   */
  public static double quality(String[] parts) {
    String q = parameter(parts, "q");
    if (q == null) {
      return 1;
    }
    try {
      return Double.parseDouble(q);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String parameter(String[] parts, String name) {
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
        return p.substring(eq + 1).trim();
      }
    }
    return null;
  }
}
