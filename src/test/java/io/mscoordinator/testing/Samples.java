package io.mscoordinator.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one reader of exposition bodies for assertions: the samples of a Prometheus text 0.0.4 or
 * OpenMetrics 1.0 body as a sorted map from a key in normal form to the value. The key is {@code
 * name{k="v",...}}: the sample name as written, labels sorted by name with their values escaped as
 * in the text format, {@code le} and {@code quantile} values as Java prints the double ({@code
 * le="1.0"}; {@code +Inf} stays), no braces without labels. Label order, number formats, timestamps
 * and exemplars do not show, so tests compare values, not formatting.
 *
 * <p>It reads every line a well-formed body has and fails on a line it cannot read or a sample
 * given twice; it is not a validating parser (the reference tools are: {@link ReferenceTools}).
 */
public final class Samples {
  /** What the exposition answers when asked for OpenMetrics, as Prometheus asks. */
  public static final String OPENMETRICS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

  private static final String SELF = "ms_coordinator_";

  private Samples() {}

  /** Every sample of the body. */
  public static Map<String, Double> of(String body) {
    return read(body, false);
  }

  /** Every sample of the body, read as UTF-8. */
  public static Map<String, Double> of(byte[] body) {
    return of(new String(body, StandardCharsets.UTF_8));
  }

  /**
   * The engine's samples of a coordinator's body: the coordinator's own {@code ms_coordinator_*}
   * families left out, and a counter's samples under its family name ({@code x}, not {@code
   * x_total}), as OTLP and {@code expected.txt} files name them.
   */
  public static Map<String, Double> engine(String body) {
    return read(body, true);
  }

  /** {@code samples} without the coordinator's own {@code ms_coordinator_*} families. */
  public static Map<String, Double> withoutSelf(Map<String, Double> samples) {
    Map<String, Double> out = new TreeMap<>(samples);
    out.keySet().removeIf(k -> k.startsWith(SELF));
    return out;
  }

  /** Every value times {@code factor}. */
  public static Map<String, Double> times(Map<String, Double> samples, double factor) {
    Map<String, Double> out = new TreeMap<>();
    samples.forEach((k, v) -> out.put(k, v * factor));
    return out;
  }

  /** The normal-form key of a sample from a structured source (a snapshot, not a body). */
  public static String key(String name, Map<String, String> labels) {
    StringBuilder key = new StringBuilder(name);
    if (labels.isEmpty()) {
      return key.toString();
    }
    key.append('{');
    new TreeMap<>(labels)
        .forEach(
            (k, v) -> {
              key.append(k).append("=\"");
              escape(normalValue(k, v), key);
              key.append("\",");
            });
    key.setCharAt(key.length() - 1, '}');
    return key.toString();
  }

  /** GET /metrics on the coordinator's manage listener, Prometheus text: its engine samples. */
  public static Map<String, Double> scrape(Coordinator c) {
    HttpResponse<String> res = TestCoordinators.manage(c).get("/metrics");
    assertThat(res.body(), res.statusCode(), is(200));
    return engine(res.body());
  }

  /**
   * GETs /metrics in both formats and fails unless promtool and prometheus_client's parsers accept
   * both and read the same engine samples, at least one, from both.
   */
  public static void assertReferenceToolsAccept(Coordinator c) throws Exception {
    TestHttp manage = TestCoordinators.manage(c);
    byte[] text = manage.get("/metrics").body().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> om =
        manage.send(
            HttpRequest.newBuilder(manage.base().resolve("/metrics"))
                .header("Accept", OPENMETRICS_ACCEPT));
    assertThat(
        om.headers().firstValue("Content-Type").orElse(""),
        startsWith("application/openmetrics-text"));
    byte[] openMetrics = om.body().getBytes(StandardCharsets.UTF_8);
    List<String> engine = ReferenceTools.assertBothFormatsReadAlike(text, openMetrics);
    assertThat(engine.isEmpty(), is(false));
  }

  private static Map<String, Double> read(String body, boolean engine) {
    Map<String, String> types = new HashMap<>();
    Map<String, Double> out = new TreeMap<>();
    String[] lines = body.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split("\\s+");
        if (parts.length >= 4 && parts[1].equals("TYPE")) {
          types.put(parts[2], parts[3]);
        }
        continue;
      }
      Line sample = new Line(line, n + 1);
      String name = sample.name();
      Map<String, String> labels = sample.labels();
      double value = sample.value();
      if (engine) {
        if (name.startsWith(SELF)) {
          continue;
        }
        if (name.endsWith("_total")) {
          String family = name.substring(0, name.length() - "_total".length());
          // Prometheus text types the family with its suffix, OpenMetrics without.
          if ("counter".equals(types.get(name)) || "counter".equals(types.get(family))) {
            name = family;
          }
        }
      }
      String key = key(name, labels);
      if (out.put(key, value) != null) {
        throw new AssertionError("sample given twice: line=" + (n + 1) + " key=" + key);
      }
    }
    return out;
  }

  private static String normalValue(String label, String value) {
    if ((label.equals("le") || label.equals("quantile")) && !value.equals("+Inf")) {
      try {
        return Double.toString(number(value));
      } catch (NumberFormatException e) {
        return value;
      }
    }
    return value;
  }

  private static double number(String text) {
    return switch (text.toLowerCase(java.util.Locale.ROOT)) {
      case "+inf", "inf", "+infinity", "infinity" -> Double.POSITIVE_INFINITY;
      case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
      case "nan" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  private static void escape(String value, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  /** One sample line: {@code name[{labels}] value [timestamp] [# exemplar]}. */
  private static final class Line {
    private final String text;
    private final int number;
    private int at;

    Line(String text, int number) {
      this.text = text;
      this.number = number;
    }

    String name() {
      int start = at;
      while (at < text.length() && text.charAt(at) != '{' && !blank(text.charAt(at))) {
        at++;
      }
      if (at == start) {
        throw broken("no sample name");
      }
      return text.substring(start, at);
    }

    Map<String, String> labels() {
      Map<String, String> labels = new TreeMap<>();
      skipBlanks();
      if (at >= text.length() || text.charAt(at) != '{') {
        return labels;
      }
      at++;
      while (true) {
        skipBlanks();
        if (at >= text.length()) {
          throw broken("label set not closed");
        }
        if (text.charAt(at) == '}') {
          at++;
          return labels;
        }
        int eq = text.indexOf('=', at);
        if (eq < 0) {
          throw broken("label without '='");
        }
        String name = text.substring(at, eq).strip();
        at = eq + 1;
        skipBlanks();
        if (at >= text.length() || text.charAt(at) != '"') {
          throw broken("label value not quoted");
        }
        StringBuilder value = new StringBuilder();
        for (at++; ; at++) {
          if (at >= text.length()) {
            throw broken("label value not closed");
          }
          char c = text.charAt(at);
          if (c == '"') {
            break;
          }
          if (c == '\\' && at + 1 < text.length()) {
            char next = text.charAt(++at);
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(c);
          }
        }
        at++;
        if (labels.put(name, value.toString()) != null) {
          throw broken("label given twice: " + name);
        }
        skipBlanks();
        if (at < text.length() && text.charAt(at) == ',') {
          at++;
        }
      }
    }

    double value() {
      skipBlanks();
      int start = at;
      while (at < text.length() && !blank(text.charAt(at))) {
        at++;
      }
      try {
        return number(text.substring(start, at));
      } catch (NumberFormatException e) {
        throw broken("no number as value");
      }
    }

    private void skipBlanks() {
      while (at < text.length() && blank(text.charAt(at))) {
        at++;
      }
    }

    private static boolean blank(char c) {
      return c == ' ' || c == '\t';
    }

    private AssertionError broken(String why) {
      return new AssertionError(
          "exposition line not read: reason=" + why + " line=" + number + " text=" + text);
    }
  }
}
