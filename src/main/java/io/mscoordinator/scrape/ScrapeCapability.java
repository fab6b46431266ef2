package io.mscoordinator.scrape;

import io.helidon.common.tls.Tls;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.metrics.MetricsHandler;
import java.util.List;
import java.util.Optional;

/**
 * Node scraping as a capability: every online instance's {@code /metrics} scraped and merged,
 * served in {@code /metrics} as the cluster view (which refuses the body in strict mode while a
 * node fails) and at {@code /metrics/instances} as the per-instance view, apart so that no body
 * counts a node twice.
 *
 * <p>Threadsafe after construction; see {@link NodeScraper} for its threads.
 */
public final class ScrapeCapability implements Capability {
  private final NodeScraper scraper;
  private final List<FamilySource> families;
  private final MetricsHandler instances;

  private ScrapeCapability(NodeScraper scraper) {
    this.scraper = scraper;
    this.families = List.of(ScrapeFamilySource.cluster(scraper::snapshot));
    this.instances = new MetricsHandler(List.of(ScrapeFamilySource.instances(scraper::snapshot)));
  }

  /**
   * Starts scraping the registry's online instances and follows its changes.
   *
   * @param tls the client TLS towards instances ({@code tls_config.mindie_client_tls_*}), when on
   */
  public static ScrapeCapability start(
      ScrapeSettings settings, InstanceRegistry registry, Optional<Tls> tls) {
    return new ScrapeCapability(
        NodeScraper.start(
            settings,
            registry,
            tls.map(Tls::sslContext).orElse(null),
            tls.map(Tls::sslParameters).orElse(null)));
  }

  /** The scraper: every online instance's {@code /metrics}, merged. */
  public NodeScraper scraper() {
    return scraper;
  }

  @Override
  public String name() {
    return "scrape";
  }

  @Override
  public void routing(SharedListener listener, Routes routes) {
    if (listener != SharedListener.STATUS) {
      routes.get("/metrics/instances", instances);
    }
  }

  @Override
  public List<FamilySource> families() {
    return families;
  }

  @Override
  public void close() {
    scraper.close();
  }
}
