package io.mscoordinator.dataplane;

import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The {@code /dresult} links of the cluster's decode instances (data-plane.md section 5), one per
 * decode instance of the registry's view: opened when the instance appears, closed when it leaves,
 * opened anew when it comes back at another address (or after a role change, which the registry
 * makes a removal and an addition). An offline instance keeps its link: requests in flight on it
 * still get their answers. A decode instance is schedulable only while its link is {@linkplain
 * #up(long) up}.
 *
 * <p>Not yet: opening the links only while this coordinator is master (ha.md), the links are opened
 * whenever the registry lists a decode instance.
 *
 * <p>Threadsafe: {@link #update} is called by the registry's writer (serialised), {@link #link} and
 * {@link #up} by request threads.
 */
final class DecodeLinks implements AutoCloseable, DecodeLink.Health {
  private static final Logger LOG = Logger.getLogger(DecodeLinks.class.getName());

  /** The longest {@code /dresult} message kept: a whole non-stream answer fits. */
  static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final OutboundClient client;
  private final Runnable opened;
  private final Clock clock;
  private final int maxRetry;
  private final int maxMessageBytes;
  private final Map<Long, DecodeLink> links = new ConcurrentHashMap<>();
  private boolean closed;

  /**
   * @param maxRetry a link's failures in a row after which its instance is reported down
   * @param maxMessageBytes the longest {@code /dresult} message kept
   * @param opened called when a link opens: requests waiting for a slot may now be placed
   */
  DecodeLinks(
      OutboundClient client, Clock clock, int maxRetry, int maxMessageBytes, Runnable opened) {
    this.client = client;
    this.opened = opened;
    this.clock = clock;
    this.maxRetry = maxRetry;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Opens and closes links to match {@code view}'s decode instances. */
  synchronized void update(ClusterView view) {
    if (closed) {
      return;
    }
    Map<Long, Instance> wanted = new HashMap<>();
    for (Instance i : view.instances()) {
      if (i.role() == Role.DECODE) {
        wanted.put(i.id(), i);
      }
    }
    for (Map.Entry<Long, DecodeLink> e : links.entrySet()) {
      Instance now = wanted.get(e.getKey());
      Instance was = e.getValue().instance();
      if (now == null || !now.ip().equals(was.ip()) || now.port() != was.port()) {
        links.remove(e.getKey()).close();
      }
    }
    for (Instance i : wanted.values()) {
      links.computeIfAbsent(
          i.id(), id -> new DecodeLink(i, client, clock, this, maxRetry, maxMessageBytes));
    }
  }

  /** The link of decode instance {@code id}, or null when it has none. */
  DecodeLink link(long id) {
    return links.get(id);
  }

  /** Whether decode instance {@code id}'s link is open now. */
  boolean up(long id) {
    DecodeLink l = links.get(id);
    return l != null && l.up();
  }

  /** Links held now. */
  int size() {
    return links.size();
  }

  @Override
  public void up(Instance instance) {
    LOG.fine(() -> "dresult link up: id=" + instance.idText());
    opened.run();
  }

  @Override
  public void down(Instance instance) {
    LOG.warning(
        "dresult link down, decode instance out of scheduling until it opens: id="
            + instance.idText()
            + " address="
            + instance.ip()
            + ":"
            + instance.port());
  }

  /** Closes every link. */
  @Override
  public synchronized void close() {
    closed = true;
    links.values().forEach(DecodeLink::close);
    links.clear();
  }
}
