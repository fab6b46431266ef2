package io.mscoordinator.scrape;

import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sample values by a key that ignores label order and bound formatting: {@code
 * name{a="x",le="1.0"}} with labels sorted and bounds printed from their double value.
 */
final class SampleIndex {
  private SampleIndex() {}

  static Map<String, Double> of(List<Family> families) {
    Map<String, Double> out = new TreeMap<>();
    for (Family f : families) {
      for (Sample s : f.samples()) {
        List<Label> labels = new ArrayList<>(s.labels());
        out.put(key(s.name(), labels), s.value());
      }
    }
    return out;
  }

  /**
   * What differs between two indexes: keys missing or with another value (NaN equals NaN, relative
   * tolerance 1e-12), then keys {@code actual} has and {@code expected} does not. Empty when equal.
   */
  static List<String> differences(Map<String, Double> expected, Map<String, Double> actual) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Double> e : expected.entrySet()) {
      Double got = actual.get(e.getKey());
      double want = e.getValue();
      boolean same =
          got != null
              && (Double.isNaN(want)
                  ? Double.isNaN(got)
                  : Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)));
      if (!same) {
        out.add(e.getKey() + " expected=" + want + " actual=" + got);
      }
    }
    for (String key : actual.keySet()) {
      if (!expected.containsKey(key)) {
        out.add(key + " unexpected=" + actual.get(key));
      }
    }
    return out;
  }

  /** Parses a body with the production parser and indexes its raw values. */
  static Map<String, Double> ofBody(byte[] body) throws ParseException {
    Map<String, Double> out = new TreeMap<>();
    for (ParsedFamily f : new TextParser(100_000).parse(body, body.length, false)) {
      for (int i = 0; i < f.size; i++) {
        Series series = f.series[i];
        List<Label> labels = new ArrayList<>();
        for (int j = 0; j < series.labels.size(); j++) {
          labels.add(new Label(series.labels.name(j), series.labels.value(j)));
        }
        if (series.hasBound()) {
          labels.add(new Label("le", Double.toString(series.bound)));
        }
        out.put(key(series.sampleName, labels), f.values[i]);
      }
    }
    return out;
  }

  private static String key(String name, List<Label> labels) {
    List<String> parts = new ArrayList<>();
    for (Label l : labels) {
      String value = l.value();
      if (l.name().equals("le") || l.name().equals("quantile")) {
        value =
            Double.toString(
                value.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(value));
        parts.add("le=" + value);
      } else {
        parts.add(l.name() + "=" + value);
      }
    }
    parts.sort(null);
    return name + parts;
  }
}
