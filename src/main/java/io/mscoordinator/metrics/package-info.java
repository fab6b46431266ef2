/**
 * The metrics engine as the coordinator serves it: the ingest core's capability (its engine and
 * self families, the store's instance view, its liveness), {@code GET /metrics} over every
 * capability's families and {@code GET /metrics/instances} over every capability's instance
 * families, both with content negotiation and gzip.
 *
 * <p>Threads: request (virtual) threads render, each borrowing a pooled renderer; the ingest agent
 * thread belongs to {@link io.mscoordinator.ingest.MetricsCore}.
 */
package io.mscoordinator.metrics;
