package io.mscoordinator.dataplane;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The instance each of the most recently used keys (conversations, sessions) last went to: an LRU
 * of at most {@code capacity} keys. Threadsafe: one lock, held for a map lookup or insert.
 */
final class Affinities<K> {
  private final LinkedHashMap<K, Long> map;

  Affinities(int capacity) {
    this.map =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<K, Long> eldest) {
            return size() > capacity;
          }
        };
  }

  /** The instance {@code key} last went to, or null. */
  synchronized Long get(K key) {
    return map.get(key);
  }

  synchronized void put(K key, long instanceId) {
    map.put(key, instanceId);
  }

  synchronized int size() {
    return map.size();
  }
}
