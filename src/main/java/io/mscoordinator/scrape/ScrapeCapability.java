package io.mscoordinator.scrape;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import io.mscoordinator.exposition.FamilySource;
import java.util.List;

/**
 * Node scraping as a capability: every online instance's {@code /metrics} scraped and merged,
 * served in {@code /metrics} as the cluster view (which refuses the body in strict mode while a
 * node fails) and in {@code /metrics/instances} as the per-instance view ({@link
 * #instanceFamilies}; the route is {@code metrics.MetricsEndpoint}'s), apart so that no body counts
 * a node twice.
 *
 * <p>Threadsafe after construction; see {@link NodeScraper} for its threads.
 */
public final class ScrapeCapability implements Capability {
  private final NodeScraper scraper;
  private final List<FamilySource> families;
  private final List<FamilySource> instances;

  private ScrapeCapability(NodeScraper scraper) {
    this.scraper = scraper;
    this.families = List.of(ScrapeFamilySource.cluster(scraper::snapshot));
    this.instances = List.of(ScrapeFamilySource.instances(scraper::snapshot));
  }

  /**
   * Starts scraping the registry's online instances and follows its changes.
   *
   * @param client the coordinator's outbound layer; nodes are its {@code INSTANCE} destinations
   *     (TLS from {@code tls_config.mindie_client_tls_*}); closed by its owner after this
   */
  public static ScrapeCapability start(
      ScrapeSettings settings, InstanceRegistry registry, OutboundClient client) {
    return new ScrapeCapability(NodeScraper.startWith(settings, registry, client));
  }

  /** The scraper: every online instance's {@code /metrics}, merged. */
  public NodeScraper scraper() {
    return scraper;
  }

  /**
   * The online instances' scraped queue lengths and KV-cache use, for the data plane's schedulers:
   * {@link NodeScraper#signals()}.
   */
  public InstanceSignals signals() {
    return scraper.signals();
  }

  @Override
  public String name() {
    return "scrape";
  }

  @Override
  public List<FamilySource> families() {
    return families;
  }

  @Override
  public List<FamilySource> instanceFamilies() {
    return instances;
  }

  @Override
  public void close() {
    scraper.close();
  }
}
