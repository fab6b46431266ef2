/**
 * The metrics engine as the coordinator serves it: the ingest core's capability (its engine and
 * self families, its liveness), {@code GET /metrics} over every capability's families with content
 * negotiation and gzip, and the handler other views (the per-instance view) reuse.
 *
 * <p>Threads: request (virtual) threads render, each borrowing a pooled renderer; the ingest agent
 * thread belongs to {@link io.mscoordinator.ingest.MetricsCore}.
 */
package io.mscoordinator.metrics;
