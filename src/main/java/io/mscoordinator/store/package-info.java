/**
 * Series state: interning, off-heap counters and gauges, HdrHistograms, and immutable snapshots.
 *
 * <p>Threads: {@link io.mscoordinator.store.SeriesStore} is confined to the ingest agent thread
 * ({@code ms-metrics-ingest}), the only writer of metric state. Every other thread (HTTP handlers,
 * tests, the later scrape merge) sees metric state only through a {@link
 * io.mscoordinator.store.MetricsSnapshot}, which is immutable once the agent publishes it. The
 * KsanaLLM catalog lives here, not in a package of its own, because it is consulted only when the
 * store interns a series (kind, unit, HELP and the {@code dp_idx} label are part of a series'
 * identity); it is immutable static data and safe from any thread.
 */
package io.mscoordinator.store;
