package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.sameInstance;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The management handlers' body path (parse within the depth and duplicate-key rules, decode every
 * field rule, apply to the registry) under any bytes a client can send. Whatever the input, it is
 * either applied whole or refused with an {@link InvalidRequestException} whose reason is short,
 * and a refused body leaves the registry's view as it was (the same object). Any other exception is
 * a finding: the HTTP handler would answer 500.
 *
 * <p>Run as regression tests over the stored inputs by {@code mvn verify}; fuzz one target with
 * {@code JAZZER_FUZZ=1 mvn -B test -Dtest=ManagementBodyFuzzTest#refresh} (see README, Fuzzing).
 */
class ManagementBodyFuzzTest {
  private static final int MAX_REASON = 512;

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "\"ids\"",
    "\"instances\"",
    "\"id\"",
    "\"ip\"",
    "\"port\"",
    "\"metric_port\"",
    "\"model_name\"",
    "\"static_info\"",
    "\"dynamic_info\"",
    "\"group_id\"",
    "\"role\"",
    "\"label\"",
    "\"total_block_num\"",
    "\"peers\"",
    "18446744073709551615",
  })
  void refresh(byte[] body) {
    InstanceRegistry registry = seeded();
    ClusterView before = registry.view();
    List<Instance> desired;
    try {
      desired = RefreshDecoder.decode(JsonBodies.parse(body));
    } catch (InvalidRequestException e) {
      refused(e);
      assertThat(registry.view(), sameInstance(before));
      return;
    }
    registry.refresh(desired);
    ClusterView after = registry.view();
    assertThat(
        after.instances().stream().map(Instance::id).collect(Collectors.toSet()),
        is(desired.stream().map(Instance::id).collect(Collectors.toSet())));
    for (Instance instance : desired) {
      assertThat(after.instance(instance.id()).orElseThrow(), is(instance));
    }
  }

  /** offline, online, query_tasks and backup_info bodies, the endpoint chosen by the input. */
  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({"\"ids\"", "\"p_id\"", "\"d_id\"", "\"is_master\"", "\"is_abnormal\""})
  void otherBodies(FuzzedDataProvider data) {
    int endpoint = data.consumeInt(0, 3);
    byte[] body = data.consumeRemainingAsBytes();
    InstanceRegistry registry = seeded();
    ClusterView before = registry.view();
    try {
      JsonObject json = JsonBodies.parse(body);
      switch (endpoint) {
        case 0, 1 -> {
          List<Long> ids = ClusterService.decodeIds(json);
          assertThat(registry.setOffline(ids, endpoint == 0), is(true));
          Set<Long> known =
              before.instances().stream().map(Instance::id).collect(Collectors.toSet());
          assertThat(known.containsAll(registry.view().offline()), is(true));
        }
        case 2 -> assertThat(ClusterService.decodeTaskQuery(json).length, is(2));
        default -> assertThat(ClusterService.decodeBackup(json).length, is(2));
      }
    } catch (InvalidRequestException e) {
      refused(e);
      assertThat(registry.view(), sameInstance(before));
    }
  }

  private static void refused(InvalidRequestException e) {
    assertThat(e.field(), notNullValue());
    assertThat(e.rule(), notNullValue());
    assertThat(e.getMessage().length(), lessThanOrEqualTo(MAX_REASON));
  }

  private static InstanceRegistry seeded() {
    InstanceRegistry registry = new InstanceRegistry();
    try {
      registry.refresh(
          RefreshDecoder.decode(
              JsonBodies.parse(Refreshes.DOCUMENT_EXAMPLE.getBytes(StandardCharsets.UTF_8))));
    } catch (InvalidRequestException e) {
      throw new AssertionError("the document's example must decode", e);
    }
    return registry;
  }
}
