package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.config.Section;
import jakarta.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge rules on bodies written for each case, without sockets. */
class ClusterMergeTest {
  private static NodeResult node(long id, Role role, long blocks, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    List<ParsedFamily> families = new TextParser(1000).parse(bytes, bytes.length, false);
    ResetCompensator.apply(families);
    Instance instance = Fleet.instance(id, 9000 + (int) id, role, blocks, "m");
    return new NodeResult(instance, true, null, 0.01, 1, 1, families, true);
  }

  private static Map<String, Double> merge(ScrapeSettings settings, NodeResult... nodes) {
    return SampleIndex.of(new ClusterMerge(settings).merge(List.of(nodes), 0).families());
  }

  private static Map<String, Double> merge(NodeResult... nodes) {
    return merge(ScrapeSettings.defaults(), nodes);
  }

  @Test
  void shouldSumByFullLabelSetNotByPositionWhenLabelSetsDiffer() throws Exception {
    Map<String, Double> merged =
        merge(
            node(0, Role.UNDEF, 1, "# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"2\"} 2\n"),
            node(1, Role.UNDEF, 1, "# TYPE x counter\nx{a=\"2\"} 20\nx{a=\"1\",b=\"z\"} 100\n"));

    assertEquals(
        Map.of("x{a=\"1\"}", 1.0, "x{a=\"2\"}", 22.0, "x{a=\"1\",b=\"z\"}", 100.0), merged);
  }

  @Test
  void shouldSumOnlyTheSharedBoundsPlusInfSumAndCountWhenBucketSetsDiffer() throws Exception {
    String h = "# TYPE h histogram\n";
    Map<String, Double> merged =
        merge(
            node(
                0,
                Role.UNDEF,
                1,
                h
                    + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\nh_bucket{le=\"5\"} 3\n"
                    + "h_bucket{le=\"+Inf\"} 4\nh_sum 10\nh_count 4\n"),
            node(
                1,
                Role.UNDEF,
                1,
                h
                    + "h_count 7\nh_sum 20\nh_bucket{le=\"2\"} 5\nh_bucket{le=\"3\"} 6\n"
                    + "h_bucket{le=\"+Inf\"} 7\n"));

    assertEquals(
        Map.of(
            "h_bucket{le=\"2.0\"}",
            7.0,
            "h_bucket{le=\"+Inf\"}",
            11.0,
            "h_sum",
            30.0,
            "h_count",
            11.0),
        merged);
  }

  @Test
  void shouldLeaveOutAndReportAFamilyWhoseTypeDiffersBetweenNodes() throws Exception {
    MergedSnapshot s =
        new ClusterMerge(ScrapeSettings.defaults())
            .merge(
                List.of(
                    node(0, Role.UNDEF, 1, "# TYPE x counter\nx 1\n"),
                    node(1, Role.UNDEF, 1, "# TYPE x gauge\nx 2\n")),
                0);

    assertNull(s.family("x"));
    MergedSnapshot.Family conflicts = s.statusFamilies().get(s.statusFamilies().size() - 1);
    assertEquals("ms_coordinator_merge_type_conflict", conflicts.name());
    assertEquals(2, conflicts.samples().size());
  }

  @Test
  void shouldKeepOnlySumAndCountOfSummaries() throws Exception {
    String body = "# TYPE s summary\ns{quantile=\"0.5\"} 3\ns_sum 10\ns_count 4\n";

    assertEquals(
        Map.of("s_sum", 20.0, "s_count", 8.0),
        merge(node(0, Role.UNDEF, 1, body), node(1, Role.UNDEF, 1, body)));
  }

  @Test
  void shouldRecomputeHitRateFromRadixCountersOfPrefillNodesOnly() throws Exception {
    String fmt =
        "# TYPE npu_prefix_cache_hit_rate gauge\nnpu_prefix_cache_hit_rate %s\n"
            + "# TYPE npu_radix_match_hit_num counter\nnpu_radix_match_hit_num %s\n"
            + "# TYPE all_radix_match_num counter\nall_radix_match_num %s\n";
    Map<String, Double> merged =
        merge(
            node(0, Role.PREFILL, 1, String.format(fmt, "0.5", "5", "10")),
            node(1, Role.PREFILL, 1, String.format(fmt, "0.1", "1", "10")),
            node(2, Role.DECODE, 1, String.format(fmt, "0.9", "900", "1000")));

    assertEquals(6.0 / 20.0, merged.get("npu_prefix_cache_hit_rate"), 1e-15);
  }

  @Test
  void shouldRecomputeFailedRequestPercFromSummedCounters() throws Exception {
    String fmt =
        "# TYPE failed_request_perc gauge\nfailed_request_perc %s\n"
            + "# TYPE request_failed_total counter\nrequest_failed_total %s\n"
            + "# TYPE request_received_total counter\nrequest_received_total %s\n";
    Map<String, Double> merged =
        merge(
            node(0, Role.UNDEF, 1, String.format(fmt, "0.5", "1", "2")),
            node(1, Role.UNDEF, 1, String.format(fmt, "0", "0", "98")));

    assertEquals(0.01, merged.get("failed_request_perc"), 1e-15);
  }

  @Test
  void shouldApplyAnOperatorRuleFromTheTable() throws Exception {
    ScrapeSettings settings =
        ScrapeSettings.parse(
            Section.of(
                Json.createObjectBuilder()
                    .add(
                        "rules",
                        Json.createArrayBuilder()
                            .add(
                                Json.createObjectBuilder()
                                    .add("family", "temp")
                                    .add("rule", "max")))
                    .build(),
                "p"));

    Map<String, Double> merged =
        merge(
            settings,
            node(0, Role.UNDEF, 1, "# TYPE temp gauge\ntemp 40\n"),
            node(1, Role.UNDEF, 1, "# TYPE temp gauge\ntemp 70\n"));

    assertEquals(Map.of("temp", 70.0), merged);
  }

  @Test
  void shouldJoinModelNamesWhenJoinedModeIsOn() throws Exception {
    ScrapeSettings joined =
        ScrapeSettings.parse(
            Section.of(Json.createObjectBuilder().add("model_name_mode", "joined").build(), "p"));
    NodeResult a = node(0, Role.UNDEF, 1, "x{model_name=\"a\"} 1\n");
    NodeResult b = node(1, Role.UNDEF, 1, "x{model_name=\"b\"} 2\n");
    List<NodeResult> nodes = new ArrayList<>();
    nodes.add(withModel(a, "a"));
    nodes.add(withModel(b, "b"));

    Map<String, Double> merged =
        SampleIndex.of(new ClusterMerge(joined).merge(nodes, 0).families());

    assertEquals(Map.of("x{model_name=\"a&b\"}", 3.0), merged);
  }

  private static NodeResult withModel(NodeResult r, String model) {
    Instance i =
        Fleet.instance(r.instance().id(), r.instance().metricPort(), r.instance().role(), 1, model);
    return new NodeResult(i, true, null, 0, 1, 1, r.families(), true);
  }

  @Test
  void shouldKeepPerModelSeriesApartByDefault() throws Exception {
    Map<String, Double> merged =
        merge(
            node(0, Role.UNDEF, 1, "x{model_name=\"a\"} 1\n"),
            node(1, Role.UNDEF, 1, "x{model_name=\"b\"} 2\n"));

    assertEquals(Map.of("x{model_name=\"a\"}", 1.0, "x{model_name=\"b\"}", 2.0), merged);
  }

  @Test
  void shouldKeepAFailedNodesLastCountersButNotItsGauges() throws Exception {
    NodeResult good = node(0, Role.UNDEF, 1, "# TYPE c counter\nc 1\n# TYPE g gauge\ng 1\n");
    NodeResult last = node(1, Role.UNDEF, 1, "# TYPE c counter\nc 10\n# TYPE g gauge\ng 10\n");
    NodeResult failed =
        new NodeResult(last.instance(), false, "scrape timed out", 1, 2, 1, last.families(), true);

    MergedSnapshot s = new ClusterMerge(ScrapeSettings.defaults()).merge(List.of(good, failed), 0);

    assertEquals(Map.of("c", 11.0, "g", 1.0), SampleIndex.of(s.families()));
    assertEquals(1, s.failedNodes());
  }

  @Test
  void shouldLabelTheInstanceViewWithIdRoleGroupAndModel() throws Exception {
    MergedSnapshot s =
        new ClusterMerge(ScrapeSettings.defaults())
            .merge(List.of(node(7, Role.DECODE, 1, "# TYPE g gauge\ng 3\n")), 0);

    assertEquals(
        Map.of("g{group_id=\"0\",instance_id=\"7\",model_name=\"m\",role=\"decode\"}", 3.0),
        SampleIndex.of(s.instanceFamilies()));
  }
}
