package io.mscoordinator.scrape;

import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes snapshot families into exposition lines, once per merge and format; renders then copy the
 * bytes.
 *
 * <p>Format rules: the text format names a family after its samples (a counter {@code x_total} is
 * {@code # TYPE x_total counter}, as Prometheus clients write it); OpenMetrics names a counter
 * {@code x} for samples {@code x_total}, and writes a counter whose samples lack {@code _total}
 * (TGI's {@code tgi_request_count}) as {@code unknown} so that its series keep their names. A
 * histogram without {@code _sum} loses its {@code _count} in OpenMetrics, which requires both or
 * neither. Gauge histograms exist only in OpenMetrics and are left out of the text format; info and
 * stateset families, whose merged values are sums over nodes, are written as gauges.
 *
 * <p>Stateless; threadsafe.
 */
final class SnapshotEncoder {
  private SnapshotEncoder() {}

  static byte[] encode(List<Family> families, ExpositionFormat format) {
    StringBuilder out = new StringBuilder(4096);
    boolean om = format == ExpositionFormat.OPENMETRICS;
    for (Family f : families) {
      if (f.samples().isEmpty()) {
        continue;
      }
      switch (f.type()) {
        case HISTOGRAM, SUMMARY -> grouped(out, f, f.name(), f.type().text(), om);
        case GAUGE_HISTOGRAM -> {
          if (om) {
            grouped(out, f, f.name(), "gaugehistogram", true);
          }
        }
        default -> scalar(out, f, om);
      }
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Counter, gauge, untyped, info, stateset: one header per distinct sample name. */
  private static void scalar(StringBuilder out, Family f, boolean om) {
    Map<String, List<Sample>> byName = new LinkedHashMap<>();
    for (Sample s : f.samples()) {
      byName.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
    }
    for (Map.Entry<String, List<Sample>> e : byName.entrySet()) {
      String sampleName = e.getKey();
      String headerName = sampleName;
      String type;
      switch (f.type()) {
        case COUNTER -> {
          if (!om) {
            type = "counter";
          } else if (sampleName.endsWith("_total")) {
            type = "counter";
            headerName = sampleName.substring(0, sampleName.length() - "_total".length());
          } else {
            type = "unknown";
          }
        }
        case UNKNOWN -> type = om ? "unknown" : "untyped";
        default -> type = "gauge";
      }
      header(out, headerName, type, f.help(), om ? f.unit() : null, om);
      for (Sample s : e.getValue()) {
        sample(out, s);
      }
    }
  }

  /** Histogram, gauge histogram, summary: one header for all suffixed samples. */
  private static void grouped(StringBuilder out, Family f, String name, String type, boolean om) {
    header(out, name, type, f.help(), om ? f.unit() : null, om);
    Sample previous = null;
    for (Sample s : f.samples()) {
      if (om
          && f.type() == MetricType.HISTOGRAM
          && s.name().equals(name + "_count")
          && (previous == null || !previous.name().equals(name + "_sum"))) {
        continue; // OpenMetrics: _count only together with _sum
      }
      sample(out, s);
      previous = s;
    }
  }

  private static void header(
      StringBuilder out, String name, String type, String help, String unit, boolean om) {
    if (help != null) {
      out.append("# HELP ").append(name).append(' ');
      for (int i = 0; i < help.length(); i++) {
        char c = help.charAt(i);
        switch (c) {
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '"' -> out.append(om ? "\\\"" : "\"");
          default -> out.append(c);
        }
      }
      out.append('\n');
    }
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    if (unit != null && !unit.isEmpty() && name.endsWith("_" + unit)) {
      out.append("# UNIT ").append(name).append(' ').append(unit).append('\n');
    }
  }

  private static void sample(StringBuilder out, Sample s) {
    out.append(s.name());
    List<Label> labels = s.labels();
    if (!labels.isEmpty()) {
      out.append('{');
      for (int i = 0; i < labels.size(); i++) {
        Label l = labels.get(i);
        if (i > 0) {
          out.append(',');
        }
        out.append(l.name()).append("=\"");
        String v = l.value();
        for (int j = 0; j < v.length(); j++) {
          char c = v.charAt(j);
          switch (c) {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '"' -> out.append("\\\"");
            default -> out.append(c);
          }
        }
        out.append('"');
      }
      out.append('}');
    }
    out.append(' ');
    value(out, s.value());
    out.append('\n');
  }

  static void value(StringBuilder out, double v) {
    if (Double.isNaN(v)) {
      out.append("NaN");
    } else if (Double.isInfinite(v)) {
      out.append(v > 0 ? "+Inf" : "-Inf");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }
}
