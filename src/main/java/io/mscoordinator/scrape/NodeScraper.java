package io.mscoordinator.scrape;

import io.mscoordinator.client.BodyBuffer;
import io.mscoordinator.client.Call;
import io.mscoordinator.client.CallException;
import io.mscoordinator.client.CallLimits;
import io.mscoordinator.client.Destination;
import io.mscoordinator.client.DestinationKind;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.client.Request;
import io.mscoordinator.client.Response;
import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import io.mscoordinator.series.MetricType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Scrapes every online registered instance's {@code /metrics} in the background and keeps one
 * merged {@link MergedSnapshot} of them; {@link #snapshot()} is what {@code /metrics} renders.
 *
 * <p>Threadsafe. Each online instance has one virtual thread that fetches {@code
 * http(s)://{ip}:{metric_port}/metrics} every {@code scrape_interval_ms} through the outbound
 * client layer ({@link OutboundClient}, destination kind {@link DestinationKind#INSTANCE}):
 * blocking HTTP/1.1 on that thread over one kept-alive connection, each fetch bounded by {@code
 * scrape_timeout_ms} (connect, headers and whole body) and {@code body_limit} (as sent and after
 * gunzip), the body read into a buffer the node reuses. The thread parses the body strictly and
 * compensates counter resets. One merge virtual thread re-merges shortly after results arrive and
 * publishes the snapshot through a volatile field, so readers never wait on a node. The registry
 * listener starts a node's thread at once when it comes online or is added and stops it at once
 * when it goes offline or is removed.
 *
 * <p>Merge rules, by family name and full label set (never by position):
 *
 * <ul>
 *   <li>counter, gauge, untyped: the family's {@link MergeRule} (default sum). Built in: {@code
 *       npu_cache_usage_perc} and {@code cpu_cache_usage_perc} weighted by each node's {@code
 *       total_block_num}; {@code npu_prefix_cache_hit_rate} = sum({@code npu_radix_match_hit_num})
 *       / sum({@code all_radix_match_num}) over prefill nodes when there are any (the plain mean
 *       when no node reports the radix counters); {@code failed_request_perc} = sum({@code
 *       request_failed_total}) / sum({@code request_received_total}), 0 when nothing was received.
 *   <li>histogram: buckets summed over the {@code le} bounds every node of that label set has;
 *       {@code +Inf} and {@code _count} always (a node without {@code +Inf} contributes its {@code
 *       _count}); {@code _sum} when every node has one.
 *   <li>summary: {@code _sum} and {@code _count} summed; quantiles cannot be merged and are left
 *       out.
 *   <li>a family whose type differs between nodes is left out and reported in {@code
 *       ms_coordinator_merge_type_conflict}.
 *   <li>cumulative samples never go down: a node restart is compensated per series, a failed node
 *       keeps contributing its last good cumulative values, a removed node's last values stay in
 *       the cluster sums, and a node removed and named again (same id and address) continues where
 *       it left off instead of counting twice.
 * </ul>
 */
public final class NodeScraper implements AutoCloseable {
  /** Removed nodes kept with their state in case they come back; the registry's own limit. */
  static final int MAX_PARKED = 4096;

  /** Prometheus text first, OpenMetrics second, anything else last. */
  static final String ACCEPT =
      "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

  private static final Request SCRAPE =
      Request.get("/metrics").header("Accept", ACCEPT).header("Accept-Encoding", "gzip").build();

  private static final Logger LOG = Logger.getLogger(NodeScraper.class.getName());

  private final ScrapeSettings settings;
  private final CallLimits limits;

  /** The outbound layer the nodes are scraped through. */
  private final OutboundClient client;

  /** Whether {@link #close()} closes {@link #client}: it was made for this scraper. */
  private final boolean ownsClient;

  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
  private final LinkedHashMap<Long, Node> parked = new LinkedHashMap<>();

  /** Results of nodes retired since the last merge; under the membership lock, as parked is. */
  private List<NodeResult> departed = new ArrayList<>();

  private final Semaphore dirty = new Semaphore(0);

  /**
   * Counts merges ({@code ms_coordinator_merges_total}); a node's result names the one it arrived
   * in ({@link Node#reportedIn}).
   */
  private volatile long mergeGeneration;

  /** Set by a new node's first result, so that the next merge does not wait for the round. */
  private volatile boolean newNode;

  private final ClusterMerge merge;
  private final SeriesPool seriesPool;
  private final Object membership = new Object();
  private volatile MergedSnapshot snapshot = MergedSnapshot.EMPTY;
  private final ScrapedSignals signals = new ScrapedSignals();
  private volatile boolean closed;

  private NodeScraper(ScrapeSettings settings, OutboundClient client, boolean ownsClient) {
    this.settings = settings;
    this.limits = CallLimits.of(settings.timeout(), settings.maxBodyBytes());
    this.client = client;
    this.ownsClient = ownsClient;
    this.merge = new ClusterMerge(settings);
    this.seriesPool = new SeriesPool(Math.max(1_000_000, 4 * settings.maxSeriesPerNode()));
  }

  /**
   * Starts scraping the registry's online instances and follows its changes.
   *
   * @param tls the client TLS context (CA, client certificate) for {@code https}, or null for plain
   *     {@code http}
   */
  public static NodeScraper start(
      ScrapeSettings settings, InstanceRegistry registry, SSLContext tls) {
    return start(settings, registry, tls, null);
  }

  /**
   * As {@link #start(ScrapeSettings, InstanceRegistry, SSLContext)}, with the client's TLS
   * parameters (protocols, cipher suites). Hostname verification is on whatever {@code parameters}
   * say: a node certificate must match the address the node is scraped at. The scraper makes its
   * own {@link OutboundClient} with that TLS for {@link DestinationKind#INSTANCE} and closes it
   * with itself.
   */
  public static NodeScraper start(
      ScrapeSettings settings,
      InstanceRegistry registry,
      SSLContext tls,
      SSLParameters parameters) {
    OutboundClient.Builder client = OutboundClient.builder();
    if (tls != null) {
      client.tls(DestinationKind.INSTANCE, tls, parameters);
    }
    return new NodeScraper(settings, client.build(), true).begin(registry);
  }

  /**
   * Starts scraping through {@code client}, the coordinator's one outbound layer: nodes are its
   * {@link DestinationKind#INSTANCE} destinations, {@code https} when that kind has TLS. The caller
   * closes {@code client} after this scraper.
   */
  public static NodeScraper startWith(
      ScrapeSettings settings, InstanceRegistry registry, OutboundClient client) {
    return new NodeScraper(settings, client, false).begin(registry);
  }

  private NodeScraper begin(InstanceRegistry registry) {
    threads.submit(this::mergeLoop);
    registry.addListener(this::follow);
    follow(registry.view());
    return this;
  }

  /** The latest merged picture; never null, never waits. */
  public MergedSnapshot snapshot() {
    return snapshot;
  }

  /**
   * The online instances' queue lengths and KV-cache use as their last scrape reported them (see
   * {@link NodeLoad} for the families read); never blocks, allocates nothing. Taken by each node's
   * scrape thread when it publishes a result, so a read costs a look-up only. An instance not
   * scraped yet, offline, removed from the registry, or whose last scrape failed reads as unknown
   * (NaN), as does every instance once this scraper is closed.
   */
  public InstanceSignals signals() {
    return signals;
  }

  /** Stops every scrape; the last snapshot stays readable. */
  @Override
  public void close() {
    closed = true;
    synchronized (membership) {
      signals.clear();
      for (Node node : nodes.values()) {
        node.stop();
      }
    }
    dirty.release();
    threads.shutdownNow();
    if (ownsClient) {
      client.close();
    }
  }

  // ------------------------------------------------------------------ membership

  /** Called by the registry on every change, on the writing thread; quick. */
  private void follow(ClusterView view) {
    synchronized (membership) {
      if (closed) {
        return;
      }
      Set<Long> online = new HashSet<>();
      for (Instance instance : view.onlineInstances()) {
        online.add(instance.id());
        Node node = nodes.get(instance.id());
        if (node != null && !sameEndpoint(node.instance, instance)) {
          retire(node); // a new address is a new node
          node = null;
        }
        if (parked.remove(instance.id()) != null) {
          node.removed = false; // named again: the same node continues
        }
        if (node == null) {
          node = new Node(instance);
          nodes.put(instance.id(), node);
        }
        node.instance = instance;
        node.startIfStopped();
      }
      for (Node node : List.copyOf(nodes.values())) {
        if (online.contains(node.instance.id())) {
          continue;
        }
        node.stop(); // offline or removed: keep its state, it may come back
        if (view.instance(node.instance.id()).isEmpty()) {
          park(node);
        }
      }
      publishSignals(online);
    }
    dirty.release();
  }

  /**
   * Lists the figures of the {@code online} nodes, which are in {@link #nodes}; membership lock.
   */
  private void publishSignals(Set<Long> online) {
    long[] ids = new long[online.size()];
    int n = 0;
    for (long id : online) {
      ids[n++] = id;
    }
    Arrays.sort(ids);
    NodeLoad[] loads = new NodeLoad[n];
    for (int i = 0; i < n; i++) {
      loads[i] = nodes.get(ids[i]).load;
    }
    signals.publish(ids, loads);
  }

  /**
   * Keeps a removed node as if offline, its parser (which holds its reset compensation) and last
   * values intact, so that a refresh that drops it and a later one that names it again (a
   * controller flapping) continue one node instead of adding its whole counters a second time. Past
   * {@link #MAX_PARKED} removed nodes the oldest is folded into the merge's departed sums for good.
   */
  private void park(Node node) {
    node.removed = true;
    parked.putIfAbsent(node.instance.id(), node);
    if (parked.size() > MAX_PARKED) {
      Iterator<Node> oldest = parked.values().iterator();
      Node folded = oldest.next();
      oldest.remove();
      retire(folded);
    }
  }

  private void retire(Node node) {
    node.stop();
    parked.remove(node.instance.id(), node);
    nodes.remove(node.instance.id(), node);
    departed.add(node.result);
  }

  private static boolean sameEndpoint(Instance a, Instance b) {
    return a.ip().equals(b.ip()) && a.metricPort() == b.metricPort();
  }

  // ------------------------------------------------------------------ merging

  private void mergeLoop() {
    long quietNanos = Math.min(settings.interval().toNanos() / 20, 50_000_000L);
    long maxWaitNanos = Math.min(settings.interval().toNanos() / 4, 1_250_000_000L);
    while (!closed) {
      try {
        dirty.acquire();
        // one merge per round: once every scraping node has a new result, at most maxWaitNanos
        // after the first; a new node's first result is merged once results stop coming for
        // quietNanos, so that it shows without waiting for the others' round
        long first = System.nanoTime();
        while (!closed && !allReported()) {
          long left = maxWaitNanos - (System.nanoTime() - first);
          if (left <= 0) {
            break;
          }
          if (newNode) {
            if (!dirty.tryAcquire(Math.min(left, quietNanos), TimeUnit.NANOSECONDS)) {
              break;
            }
          } else {
            dirty.tryAcquire(left, TimeUnit.NANOSECONDS);
          }
        }
        newNode = false;
        dirty.drainPermits();
      } catch (InterruptedException e) {
        return;
      }
      try {
        mergeNow();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "merge failed: reason=" + e, e);
      }
    }
  }

  /** Whether every node being scraped has a result the last merge did not start from. */
  private boolean allReported() {
    long generation = mergeGeneration;
    for (Node node : nodes.values()) {
      if (node.running() && !node.removed && node.reportedIn != generation) {
        return false;
      }
    }
    return true;
  }

  private void mergeNow() {
    mergeGeneration++; // only this thread writes it
    List<NodeResult> gone;
    List<NodeResult> results = new ArrayList<>(nodes.size());
    List<NodeResult> removed = new ArrayList<>();
    // under the membership lock a refresh is seen whole: a node it added never shows beside one it
    // removed, and a node it retired is either still listed or among the departed, never neither
    synchronized (membership) {
      gone = departed;
      departed = new ArrayList<>();
      collect(results, removed);
    }
    for (NodeResult r : gone) {
      merge.retire(r);
    }
    results.sort((a, b) -> Long.compareUnsigned(a.instance().id(), b.instance().id()));
    long start = System.nanoTime();
    MergedSnapshot merged = merge.merge(results, removed, System.currentTimeMillis());
    double seconds = (System.nanoTime() - start) / 1e9;
    snapshot =
        merged.withStatusFamilies(
            List.of(
                new MergedSnapshot.Family(
                    ClusterMerge.PREFIX + "merges",
                    MetricType.COUNTER,
                    "Cluster merges of the nodes' results (about one per scrape round).",
                    null,
                    List.of(
                        new MergedSnapshot.Sample(
                            ClusterMerge.PREFIX + "merges_total", List.of(), mergeGeneration))),
                ClusterMerge.gauge(
                    "merge_duration_seconds",
                    "How long the last cluster merge took.",
                    List.of(
                        new MergedSnapshot.Sample(
                            ClusterMerge.PREFIX + "merge_duration_seconds", List.of(), seconds)))));
  }

  /** The running nodes' results and the offline ones' cumulative values; the removed apart. */
  private void collect(List<NodeResult> results, List<NodeResult> removed) {
    for (Node node : nodes.values()) {
      if (node.removed) {
        removed.add(node.result); // its cumulative values only, unlisted
      } else if (node.running()) {
        results.add(node.result);
      } else if (!node.result.families().isEmpty()) {
        // offline: its cumulative values stay, its gauges and status go
        NodeResult r = node.result;
        results.add(
            new NodeResult(
                r.instance(),
                false,
                null,
                r.durationSeconds(),
                r.samples(),
                r.lastSuccessMillis(),
                r.families(),
                false));
      }
    }
  }

  // ------------------------------------------------------------------ one node

  /**
   * One instance's scrape loop; its call (connection), body buffer and parser, compensation state
   * included, are confined to its thread; {@link #stop()} may abort the call under way from any
   * thread.
   */
  private final class Node {
    volatile Instance instance;
    volatile NodeResult result;

    /** Removed from the registry and parked: not scraped, not listed, its counters kept. */
    volatile boolean removed;

    /** The merge generation this node's latest result arrived in; -1 before its first. */
    volatile long reportedIn = -1;

    /** Its load figures, from its latest result; unknown while it is stopped. */
    final NodeLoad load = new NodeLoad();

    private volatile Thread thread;
    private volatile boolean running;
    private final TextParser parser = new TextParser(settings.maxSeriesPerNode(), seriesPool);

    /** Its endpoint never changes: a new address is a new node. */
    private final Destination destination;

    private final BodyBuffer body = new BodyBuffer();

    /** The call under way, for {@link #stop()} to abort. */
    private volatile Call call;

    Node(Instance instance) {
      this.instance = instance;
      this.result = NodeResult.pending(instance);
      this.destination =
          client.destination(DestinationKind.INSTANCE, instance.ip(), instance.metricPort());
    }

    boolean running() {
      return running;
    }

    void startIfStopped() {
      if (running) {
        return;
      }
      running = true;
      Thread previous = thread;
      // the previous thread may still be finishing a scrape: it must be gone before the parser
      // (and the compensation state in it) change hands
      thread =
          Thread.ofVirtual()
              .name("scrape-" + instance.idText())
              .unstarted(
                  () -> {
                    try {
                      if (previous != null) {
                        previous.join();
                      }
                    } catch (InterruptedException e) {
                      return;
                    }
                    loop();
                  });
      thread.start();
    }

    void stop() {
      running = false;
      load.clear(); // after running: see scrapeWhileRunning
      Thread t = thread;
      if (t != null) {
        // interrupt first: a call that starts after abort() looked sees the interrupt
        t.interrupt();
      }
      Call c = call;
      if (c != null) {
        c.abort();
      }
    }

    private void loop() {
      try {
        scrapeWhileRunning();
      } finally {
        call = null;
        client.evict(destination); // a stopped node keeps no connection open
        body.release();
      }
    }

    private void scrapeWhileRunning() {
      Thread me = Thread.currentThread();
      long intervalNanos = settings.interval().toNanos();
      while (running && thread == me && !closed) {
        long start = System.nanoTime();
        NodeResult next = scrapeOnce(instance, start);
        if (!running || thread != me) {
          return;
        }
        boolean firstResult = reportedIn < 0;
        if (next.up()) {
          load.read(next.families());
        } else {
          load.clear();
        }
        if (!running || thread != me) {
          // stop() ran since the check above and may have cleared before the read: a stopped node
          // shows no figures (a restarted node's new thread joins this one before it scrapes)
          load.clear();
        }
        result = next;
        reportedIn = mergeGeneration;
        if (firstResult) {
          newNode = true;
        }
        dirty.release();
        long sleep = start + intervalNanos - System.nanoTime();
        if (sleep > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(sleep);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    private NodeResult scrapeOnce(Instance target, long startNanos) {
      NodeResult previous = result;
      String error;
      Call c = client.call(destination, SCRAPE, limits);
      call = c;
      try (Response response = c.execute(startNanos)) {
        if (response.status() != 200) {
          throw new ScrapeException(
              "scrape failed: url=" + c.url() + " status=" + response.status());
        }
        response.readBody(body);
        boolean openMetrics = response.contentType("application/openmetrics-text");
        // the parser keeps no reference to the body's array, which the next fetch overwrites
        List<ParsedFamily> families = parser.parse(body.array(), body.length(), openMetrics);
        ResetCompensator.apply(families);
        int samples = 0;
        for (ParsedFamily f : families) {
          samples += f.size;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return new NodeResult(
            target, true, null, seconds, samples, System.currentTimeMillis(), families, true);
      } catch (ParseException e) {
        error = e.getMessage();
      } catch (ScrapeException e) {
        error = e.getMessage();
      } catch (CallException e) {
        error = e.messageFor("scrape");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error = "scrape interrupted";
      } catch (RuntimeException e) {
        error = "scrape failed: reason=" + e;
      }
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      return new NodeResult(
          target,
          false,
          error,
          seconds,
          previous.samples(),
          previous.lastSuccessMillis(),
          previous.families(),
          true);
    }
  }

  /** For tests: the ids of the nodes being scraped now. */
  Set<Long> scrapedIds() {
    Set<Long> ids = new HashSet<>();
    for (Map.Entry<Long, Node> e : new HashMap<>(nodes).entrySet()) {
      if (e.getValue().running()) {
        ids.add(e.getKey());
      }
    }
    return ids;
  }
}
