package io.mscoordinator.scrape;

import io.mscoordinator.cluster.InstanceSignals;
import java.util.Arrays;

/**
 * The scraped nodes' load figures by instance id: what {@link NodeScraper#signals()} hands to the
 * data plane's schedulers.
 *
 * <p>Threadsafe. Single writer of the table: the scraper's membership changes ({@link #publish},
 * under its membership lock); each node's figures are written by that node's scrape thread ({@link
 * NodeLoad}). A read is a volatile read of the table, a binary search of its sorted ids and a
 * volatile read of the figure: no lock, no allocation (the id stays a primitive all the way).
 *
 * <p>The table lists the online instances being scraped, so an instance that left the registry or
 * went offline reads as unknown at once. An instance whose last scrape failed reads as unknown too:
 * its last figures grow older with every failed round while requests keep moving its real queue,
 * and a scheduler does better on its own in-flight count than on a stale queue length.
 */
final class ScrapedSignals implements InstanceSignals {
  /**
   * Ids sorted ascending (signed, as {@link Arrays#binarySearch(long[], long)} wants) and loads.
   */
  private record Table(long[] ids, NodeLoad[] loads) {}

  private static final Table EMPTY = new Table(new long[0], new NodeLoad[0]);

  private volatile Table table = EMPTY;

  /**
   * Replaces the table: {@code ids} sorted ascending, {@code loads[i]} the figures of {@code
   * ids[i]}; the arrays are not changed afterwards.
   */
  void publish(long[] ids, NodeLoad[] loads) {
    if (ids.length != loads.length) {
      throw new IllegalArgumentException(
          "ids and loads differ in length: ids=" + ids.length + " loads=" + loads.length);
    }
    table = ids.length == 0 ? EMPTY : new Table(ids, loads);
  }

  /** Every instance reads as unknown from now on. */
  void clear() {
    table = EMPTY;
  }

  @Override
  public double waiting(long instanceId) {
    Table t = table;
    int i = Arrays.binarySearch(t.ids, instanceId);
    return i < 0 ? Double.NaN : t.loads[i].waiting();
  }

  @Override
  public double cacheUsage(long instanceId) {
    Table t = table;
    int i = Arrays.binarySearch(t.ids, instanceId);
    return i < 0 ? Double.NaN : t.loads[i].cacheUsage();
  }
}
