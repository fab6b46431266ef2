package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.fail;

import io.mscoordinator.Eventually;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.config.Section;
import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.testing.TestData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Fake nodes registered in a registry and scraped by a real {@link NodeScraper}. */
final class Fleet implements AutoCloseable {
  final InstanceRegistry registry = new InstanceRegistry();
  final List<FakeNode> nodes = new ArrayList<>();
  final List<Instance> instances = new ArrayList<>();
  NodeScraper scraper;

  static Instance instance(long id, int metricPort, Role role, long totalBlockNum, String model) {
    return new Instance(
        id,
        "127.0.0.1",
        2025,
        metricPort,
        model,
        0,
        4096,
        1024,
        200,
        totalBlockNum,
        128,
        role == Role.DECODE ? 3 : 2,
        role,
        100,
        512,
        List.of());
  }

  /**
   * Adds a node serving the corpus's MindIE body {@code file}: role undef, 1024 blocks, model m.
   */
  Instance addMindie(String file) {
    return add(FakeNode.serving(TestData.mindie(file)), Role.UNDEF, 1024, "m");
  }

  /** Adds a node to the fleet (not yet to the registry). */
  Instance add(FakeNode node, Role role, long totalBlockNum, String model) {
    nodes.add(node);
    Instance instance = instance(instances.size(), node.port(), role, totalBlockNum, model);
    instances.add(instance);
    return instance;
  }

  Fleet start(ScrapeSettings settings) {
    registry.refresh(List.copyOf(instances));
    scraper = NodeScraper.start(settings, registry, null);
    return this;
  }

  /** Polls the snapshot until {@code condition} holds; fails after {@code millis}. */
  MergedSnapshot await(Predicate<MergedSnapshot> condition, long millis, String what) {
    try {
      MergedSnapshot s = Eventually.poll(scraper::snapshot, condition, Duration.ofMillis(millis));
      if (condition.test(s)) {
        return s;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    fail(
        "timed out waiting for "
            + what
            + "; last snapshot status: "
            + scraper.snapshot().statusFamilies());
    return null;
  }

  /** Waits until every registered online node has been scraped successfully. */
  MergedSnapshot awaitAllUp(long millis) {
    int expected = registry.view().onlineInstances().size();
    return await(s -> upCount(s) == expected && s.failedNodes() == 0, millis, "all nodes up");
  }

  static int upCount(MergedSnapshot s) {
    int up = 0;
    for (Family f : s.statusFamilies()) {
      if (f.name().equals("ms_coordinator_node_up")) {
        for (Sample sample : f.samples()) {
          up += sample.value() == 1 ? 1 : 0;
        }
      }
    }
    return up;
  }

  /** The status sample of {@code family} for node {@code id}, or null. */
  static Sample status(MergedSnapshot s, String family, long id) {
    for (Family f : s.statusFamilies()) {
      if (f.name().equals(family)) {
        for (Sample sample : f.samples()) {
          if (Long.toString(id).equals(sample.label("instance_id"))) {
            return sample;
          }
        }
      }
    }
    return null;
  }

  static ScrapeSettings fast(int intervalMs, int timeoutMs, boolean strict) {
    return ScrapeSettings.parse(
        Section.of(
            jakarta.json.Json.createObjectBuilder()
                .add("scrape_interval_ms", intervalMs)
                .add("scrape_timeout_ms", timeoutMs)
                .add("strict", strict)
                .add("body_limit", 4)
                .build(),
            "prometheus_metrics_config"));
  }

  @Override
  public void close() {
    if (scraper != null) {
      scraper.close();
    }
    for (FakeNode node : nodes) {
      node.close();
    }
  }
}
