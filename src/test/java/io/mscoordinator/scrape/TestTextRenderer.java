package io.mscoordinator.scrape;

import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import java.util.List;

/**
 * Test-only text 0.0.4 renderer of snapshot families, so tests can hand merged output to promtool
 * and the Python parser. The real exposition writers live in the exposition package.
 */
final class TestTextRenderer {
  private TestTextRenderer() {}

  static String render(List<Family> families) {
    StringBuilder out = new StringBuilder();
    for (Family f : families) {
      if (f.samples().isEmpty()) {
        continue;
      }
      if (f.help() != null) {
        out.append("# HELP ").append(f.name()).append(' ');
        out.append(f.help().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
      }
      String type =
          switch (f.type()) {
            case COUNTER, GAUGE, HISTOGRAM, SUMMARY -> f.type().text();
            case GAUGE_HISTOGRAM -> "histogram";
            default -> "untyped";
          };
      out.append("# TYPE ").append(f.name()).append(' ').append(type).append('\n');
      for (Sample s : f.samples()) {
        out.append(s.name());
        if (!s.labels().isEmpty()) {
          out.append('{');
          boolean first = true;
          for (Label l : s.labels()) {
            out.append(first ? "" : ",").append(l.name()).append("=\"");
            out.append(l.value().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"));
            out.append('"');
            first = false;
          }
          out.append('}');
        }
        out.append(' ').append(value(s.value())).append('\n');
      }
    }
    return out.toString();
  }

  private static String value(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
