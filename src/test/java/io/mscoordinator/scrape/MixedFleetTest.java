package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vLLM, TGI, Triton and SGLang nodes scraped at once over sockets. */
class MixedFleetTest {
  private static final List<String> BODIES =
      List.of("vllm.prom", "tgi.prom", "triton.prom", "sglang.prom");
  private static Fleet fleet;
  private static MergedSnapshot snapshot;

  @TempDir Path dir;

  @BeforeAll
  static void scrapeFleet() {
    fleet = new Fleet();
    for (String body : BODIES) {
      fleet.add(FakeNode.serving(Corpus.bytes(Corpus.NODES.resolve(body))), Role.UNDEF, 1024, "m");
    }
    fleet.start(Fleet.fast(300, 250, false));
    snapshot = fleet.awaitAllUp(5000);
  }

  @AfterAll
  static void stopFleet() {
    fleet.close();
  }

  private Path write(String name, String body) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, body);
    return file;
  }

  @Test
  void shouldPassPromtoolWithoutParseErrorsWhenMerged() throws Exception {
    Path body =
        write(
            "merged.prom",
            new String(
                MergedFamiliesEncodingTest.encode(
                    snapshot.families(), ExpositionFormat.PROMETHEUS_TEXT),
                StandardCharsets.UTF_8));

    ExternalCheckers.Result result = ExternalCheckers.promtool(body);

    // 0: clean, 3: lint remarks only (inherited from the servers' own names), 1: parse error
    assertTrue(result.exit() == 0 || result.exit() == 3, result.toString());
    assertTrue(!result.output().contains("error while linting"), result.output());
  }

  @Test
  void shouldBeReadByThePythonParserSampleForSampleWhenMerged() throws Exception {
    int ours = 0;
    for (MergedSnapshot.Family f : snapshot.families()) {
      ours += f.samples().size();
    }
    Path body =
        write(
            "merged.prom",
            new String(
                MergedFamiliesEncodingTest.encode(
                    snapshot.families(), ExpositionFormat.PROMETHEUS_TEXT),
                StandardCharsets.UTF_8));

    ExternalCheckers.Result result = ExternalCheckers.python(body);

    assertEquals(0, result.exit(), result.output());
    assertEquals(Integer.toString(ours), result.output().strip());
  }

  @Test
  void shouldPassPromtoolWithTheInstanceViewAndStatusFamilies() throws Exception {
    List<MergedSnapshot.Family> all = new ArrayList<>(snapshot.instanceFamilies());
    all.addAll(snapshot.statusFamilies());
    Path body =
        write(
            "instances.prom",
            new String(
                MergedFamiliesEncodingTest.encode(all, ExpositionFormat.PROMETHEUS_TEXT),
                StandardCharsets.UTF_8));

    ExternalCheckers.Result result = ExternalCheckers.promtool(body);

    assertTrue(result.exit() == 0 || result.exit() == 3, result.toString());
  }

  @Test
  void shouldKeepEveryNodesCounterAndGaugeValuesWhenNoFamilyIsShared() throws Exception {
    Map<String, Double> merged = SampleIndex.of(snapshot.families());
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String name : BODIES) {
      byte[] body = Corpus.bytes(Corpus.NODES.resolve(name));
      for (ParsedFamily f : new TextParser(100_000).parse(body, body.length, false)) {
        if (f.type != MetricType.COUNTER && f.type != MetricType.GAUGE) {
          continue;
        }
        Map<String, Double> one = SampleIndex.ofBody(onlyFamily(body, f.name));
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
