package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExternalTools;
import io.mscoordinator.series.Escaping;
import io.mscoordinator.server.Coordinator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples of an exposition body as a sorted map {@code name{k="v",...}} to value, labels sorted by
 * name, {@code le} as Java prints the double, counter samples under their family name (without
 * {@code _total}), the coordinator's own {@code ms_coordinator_*} families left out. The same
 * normal form for GET /metrics bodies and for the {@code expected.txt} files, so tests compare
 * values, not formatting.
 */
public final class Samples {
  /** What the exposition answers when asked for OpenMetrics, as Prometheus asks. */
  public static final String OPENMETRICS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

  private Samples() {}

  /** GET /metrics on the manage listener, Prometheus text, in normal form. */
  public static Map<String, Double> scrape(Coordinator c) {
    HttpResponse<String> res = TestCoordinators.manage(c).get("/metrics");
    assertThat(res.body(), res.statusCode(), is(200));
    return parse(res.body(), true);
  }

  /**
   * GETs /metrics in both formats and fails unless promtool and prometheus_client's parsers accept
   * both and read the same engine samples from both.
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
        org.hamcrest.Matchers.startsWith("application/openmetrics-text"));
    byte[] openMetrics = om.body().getBytes(StandardCharsets.UTF_8);
    ExternalTools.assertPromtoolAccepts(text, ExpositionFormat.PROMETHEUS_TEXT);
    ExternalTools.assertPromtoolAccepts(openMetrics, ExpositionFormat.OPENMETRICS);
    List<String> fromText =
        engine(ExternalTools.pythonSamples(text, ExpositionFormat.PROMETHEUS_TEXT));
    List<String> fromOpenMetrics =
        engine(ExternalTools.pythonSamples(openMetrics, ExpositionFormat.OPENMETRICS));
    assertThat(fromText, is(fromOpenMetrics));
    assertThat(fromText.isEmpty(), is(false));
  }

  private static List<String> engine(List<String> samples) {
    return samples.stream().filter(s -> !s.startsWith("ms_coordinator_")).toList();
  }

  /** An {@code expected.txt} in normal form. */
  public static Map<String, Double> expected(String text) {
    return parse(text, false);
  }

  /** Every value times {@code factor}. */
  public static Map<String, Double> times(Map<String, Double> samples, double factor) {
    Map<String, Double> out = new TreeMap<>();
    samples.forEach((k, v) -> out.put(k, v * factor));
    return out;
  }

  /**
   * @param exposition a Prometheus text body: {@code # TYPE} lines name the counter families
   */
  static Map<String, Double> parse(String body, boolean exposition) {
    Map<String, String> types = new HashMap<>();
    Map<String, Double> out = new TreeMap<>();
    for (String line : body.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ");
        if (parts.length >= 4 && parts[1].equals("TYPE")) {
          types.put(parts[2], parts[3]);
        }
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace >= 0 && brace < space ? brace : space;
      String name = line.substring(0, nameEnd);
      TreeMap<String, String> labels = new TreeMap<>();
      int at = nameEnd;
      if (line.charAt(at) == '{') {
        at++;
        while (line.charAt(at) != '}') {
          int eq = line.indexOf('=', at);
          String key = line.substring(at, eq);
          StringBuilder value = new StringBuilder();
          int i = eq + 2;
          for (; line.charAt(i) != '"'; i++) {
            char ch = line.charAt(i);
            if (ch == '\\') {
              char next = line.charAt(++i);
              value.append(next == 'n' ? '\n' : next);
            } else {
              value.append(ch);
            }
          }
          labels.put(key, value.toString());
          at = i + 1;
          if (line.charAt(at) == ',') {
            at++;
          }
        }
        at++;
      }
      String[] rest = line.substring(at).trim().split(" ");
      if (name.startsWith("ms_coordinator_")) {
        continue;
      }
      if (exposition && name.endsWith("_total")) {
        String family = name.substring(0, name.length() - "_total".length());
        // Prometheus text types the family with its suffix, OpenMetrics without.
        if ("counter".equals(types.get(name)) || "counter".equals(types.get(family))) {
          name = family;
        }
      }
      String le = labels.get("le");
      if (le != null && !le.equals("+Inf")) {
        labels.put("le", Double.toString(Double.parseDouble(le)));
      }
      StringBuilder key = new StringBuilder(name);
      if (!labels.isEmpty()) {
        key.append('{');
        labels.forEach(
            (k, v) -> {
              key.append(k).append("=\"").append(Escaping.labelValue(v)).append("\",");
            });
        key.setLength(key.length() - 1);
        key.append('}');
      }
      out.put(key.toString(), value(rest[0]));
    }
    return out;
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }
}
