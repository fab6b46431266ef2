/**
 * Ingest: the event record format, the in-process and memory-mapped rings, the producers, the
 * ingest agent and {@link io.mscoordinator.ingest.MetricsCore}, the entry point the server wires.
 *
 * <p>Threads: request (virtual) threads and scrapers offer through {@link
 * io.mscoordinator.ingest.MetricsProducer}; processes on the host write the file ring; the agent
 * thread {@code ms-metrics-ingest} is the only reader of the rings and the only writer of metric
 * state and of {@code IngestCounters}; any thread may request a snapshot or render.
 *
 * <table>
 * <caption>thread, what it owns, what it reads</caption>
 * <tr><th>thread</th><th>owns (writes)</th><th>reads</th></tr>
 * <tr><td>request threads</td><td>ring records they claim</td><td>snapshots, counters</td></tr>
 * <tr><td>other processes</td><td>file ring records, ring-full drop count</td>
 *     <td>file header</td></tr>
 * <tr><td>{@code ms-metrics-ingest}</td><td>store, handle maps, counters, heartbeat, epoch</td>
 *     <td>both rings</td></tr>
 * </table>
 */
package io.mscoordinator.ingest;
