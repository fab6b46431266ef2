package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.series.MetricType;
import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** vLLM, TGI, Triton and SGLang nodes scraped at once over sockets. */
class MixedFleetTest {
  private static final List<String> BODIES =
      List.of("vllm.prom", "tgi.prom", "triton.prom", "sglang.prom");
  private static Fleet fleet;
  private static MergedSnapshot snapshot;

  @BeforeAll
  static void scrapeFleet() {
    fleet = new Fleet();
    for (String body : BODIES) {
      fleet.add(FakeNode.serving(TestData.node(body)), Role.UNDEF, 1024, "m");
    }
    fleet.start(Fleet.fast(300, 250, false));
    snapshot = fleet.awaitAllUp(5000);
  }

  @AfterAll
  static void stopFleet() {
    fleet.close();
  }

  @Test
  void shouldPassPromtoolWithoutParseErrorsWhenMerged() throws Exception {
    byte[] body =
        MergedFamiliesEncodingTest.encode(snapshot.families(), ExpositionFormat.PROMETHEUS_TEXT);

    // lint remarks are allowed: they come from the servers' own names
    ReferenceTools.assertPromtoolParses(body);
  }

  @Test
  void shouldBeReadByThePythonParserSampleForSampleWhenMerged() throws Exception {
    int ours = 0;
    for (MergedSnapshot.Family f : snapshot.families()) {
      ours += f.samples().size();
    }
    byte[] body =
        MergedFamiliesEncodingTest.encode(snapshot.families(), ExpositionFormat.PROMETHEUS_TEXT);

    List<String> read = ReferenceTools.pythonSamples(body, ExpositionFormat.PROMETHEUS_TEXT);

    assertEquals(ours, read.size());
  }

  @Test
  void shouldPassPromtoolWithTheInstanceViewAndStatusFamilies() throws Exception {
    List<MergedSnapshot.Family> all = new ArrayList<>(snapshot.instanceFamilies());
    all.addAll(snapshot.statusFamilies());
    byte[] body = MergedFamiliesEncodingTest.encode(all, ExpositionFormat.PROMETHEUS_TEXT);

    ReferenceTools.assertPromtoolParses(body);
  }

  @Test
  void shouldKeepEveryNodesCounterAndGaugeValuesWhenNoFamilyIsShared() throws Exception {
    Map<String, Double> merged = SampleIndex.of(snapshot.families());
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String name : BODIES) {
      byte[] body = TestData.node(name);
      for (ParsedFamily f : new TextParser(100_000).parse(body, body.length, false)) {
        if (f.type != MetricType.COUNTER && f.type != MetricType.GAUGE) {
          continue;
        }
        Map<String, Double> one = Samples.of(onlyFamily(body, f.name));
        for (Map.Entry<String, Double> e : one.entrySet()) {
          checked++;
          Double got = merged.get(e.getKey());
          if (got == null || Double.compare(got, e.getValue()) != 0) {
            missing.add(name + " " + e.getKey() + "=" + e.getValue() + " merged=" + got);
          }
        }
      }
    }
    assertEquals(List.of(), missing);
    assertTrue(checked > 100, "samples checked: " + checked);
  }

  /** The lines of one family of a text body (its TYPE line and its samples). */
  private static byte[] onlyFamily(byte[] body, String family) {
    StringBuilder out = new StringBuilder();
    for (String line : new String(body, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      String l = line.strip();
      if (l.startsWith("# TYPE " + family + " ")
          || l.startsWith(family + "{")
          || l.startsWith(family + " ")) {
        out.append(l).append('\n');
      }
    }
    return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
