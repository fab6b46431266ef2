/**
 * Exposition: one writer per format ({@link io.mscoordinator.exposition.PrometheusTextWriter} for
 * text 0.0.4, {@link io.mscoordinator.exposition.OpenMetricsTextWriter} for OpenMetrics 1.0) that
 * every family source writes through, bodies rendered byte by byte into reused buffers, and content
 * negotiation. No HTTP: the metrics capability serves the bodies.
 *
 * <p>Threads: HTTP request (virtual) threads render; each render borrows a writer (confined to that
 * render) from the handler's pool. Family sources read immutable snapshots or counters that are
 * safe from any thread; nothing here writes metric state.
 */
package io.mscoordinator.exposition;
