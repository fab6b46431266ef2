/**
 * Exposition: Prometheus text 0.0.4 and OpenMetrics 1.0 bodies rendered byte by byte into reused
 * buffers from family sources, and content negotiation. No HTTP: the metrics capability serves the
 * bodies.
 *
 * <p>Threads: HTTP request (virtual) threads render; each render borrows an {@link
 * io.mscoordinator.exposition.ExpositionWriter} (confined to that render) from the handler's pool.
 * Family sources read immutable snapshots or counters that are safe from any thread; nothing here
 * writes metric state.
 */
package io.mscoordinator.exposition;
