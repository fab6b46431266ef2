package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mscoordinator.cluster.Role;
import io.mscoordinator.testing.Golden;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * MindIE's own aggregation fixtures, served by fake nodes over real sockets (gzip on), scraped and
 * merged, compared with MindIE's expected outputs sample by sample. Label order and float
 * formatting are ignored; values must agree to 1e-12 relative (our weighted mean may round the last
 * bit differently from MindIE's 0.4400000000000001).
 */
class MindieGoldenTest {
  private static final String MODEL = "llama_65b";
  private static final String SINGLE_NODE = "ms_metricsAggregate4SingleNodeOutput.prom";
  private static final String PD_SEPARATE = "ms_metricsAggregate4PDSeparateOutput.prom";

  private static Map<String, Double> mergeOverSockets(String prefix, List<Role> roles)
      throws Exception {
    try (Fleet fleet = new Fleet()) {
      for (int i = 0; i < 4; i++) {
        // node i has total_block_num 1024 * (i + 1): the 1:2:3:4 weights of the fixture
        fleet.add(
            FakeNode.serving(TestData.mindie(prefix + i + ".prom")),
            roles.get(i),
            1024L * (i + 1),
            MODEL);
      }
      fleet.start(Fleet.fast(200, 150, false));
      return SampleIndex.of(fleet.awaitAllUp(5000).families());
    }
  }

  @Test
  void shouldEqualMindieSingleNodeAggregateInEverySample() throws Exception {
    Map<String, Double> expected = Samples.of(TestData.mindie(SINGLE_NODE));
    Map<String, Double> actual =
        mergeOverSockets(
            "ms_metricsSingleNodeData_", List.of(Role.UNDEF, Role.UNDEF, Role.UNDEF, Role.UNDEF));

    Golden.assertSamples(SINGLE_NODE, expected, actual, 1e-12);
    assertEquals(87, expected.size(), "samples compared");
  }

  /**
   * Nodes 0 and 1 prefill, 2 and 3 decode. Every sample equals MindIE's expected merge except one:
   * {@code request_failed_total}. Node 2 reports 50 failed requests; MindIE's expected output says
   * 0, i.e. MindIE does not take that counter from the node bodies in this case. We sum counters by
   * family and label set, so the cluster reports 50: dropping a node's failures would under-report
   * them. ({@code failed_request_perc} stays 0 as in MindIE: nothing was received, and the
   * recomputed ratio is 0 when its denominator is 0. {@code npu_prefix_cache_hit_rate} stays NaN:
   * no node reports radix counters, so it falls back to the mean of the nodes' NaN.)
   */
  @Test
  void shouldEqualMindiePrefillDecodeAggregateExceptSummedFailedRequests() throws Exception {
    Map<String, Double> expected = Samples.of(TestData.mindie(PD_SEPARATE));
    Map<String, Double> actual =
        mergeOverSockets(
            "ms_metricsPDNodeData_", List.of(Role.PREFILL, Role.PREFILL, Role.DECODE, Role.DECODE));

    String failed = "request_failed_total{model_name=\"" + MODEL + "\"}";
    assertEquals(0.0, expected.get(failed));
    assertEquals(50.0, actual.get(failed));
    expected.put(failed, 50.0);
    Golden.assertSamples(PD_SEPARATE + " with " + failed + " 50", expected, actual, 1e-12);
  }
}
