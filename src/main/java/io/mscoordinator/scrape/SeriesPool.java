package io.mscoordinator.scrape;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One canonical {@link Series} object per distinct series, shared by the parsers of every node, so
 * that the merge's hash lookups of the same series from 200 nodes end in an identity check instead
 * of comparing names and label values. Parsers resolve a key once (their intern tables serve every
 * later scrape), so the pool is touched only on a node's first sight of a series.
 *
 * <p>Threadsafe. Bounded: past {@code limit} entries it starts afresh, which costs only speed
 * (equal series from before and after compare by value again).
 */
final class SeriesPool {
  private final int limit;
  private final ConcurrentHashMap<Series, Series> pool = new ConcurrentHashMap<>();

  SeriesPool(int limit) {
    this.limit = limit;
  }

  Series intern(Series series) {
    Series known = pool.putIfAbsent(series, series);
    if (known != null) {
      return known;
    }
    if (pool.size() > limit) {
      pool.clear();
    }
    return series;
  }
}
