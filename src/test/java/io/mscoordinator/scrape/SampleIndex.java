package io.mscoordinator.scrape;

import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.testing.Samples;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The samples of merged families by the key {@link Samples} gives a body's samples, so a merge can
 * be compared with a body (a golden file, a node's own body) sample by sample.
 */
final class SampleIndex {
  private SampleIndex() {}

  static Map<String, Double> of(List<Family> families) {
    Map<String, Double> out = new TreeMap<>();
    for (Family f : families) {
      for (Sample s : f.samples()) {
        Map<String, String> labels = new HashMap<>();
        for (Label l : s.labels()) {
          labels.put(l.name(), l.value());
        }
        out.put(Samples.key(s.name(), labels), s.value());
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
}
