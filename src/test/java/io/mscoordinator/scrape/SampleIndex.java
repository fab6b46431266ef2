package io.mscoordinator.scrape;

import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.testing.Samples;
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
}
