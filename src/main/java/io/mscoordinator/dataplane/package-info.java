/**
 * The data plane: every inference request of the cluster arrives on the predict listener, is
 * admitted (data-plane.md section 3), scheduled onto an instance of the registry (section 6),
 * forwarded through the outbound layer and streamed back chunk by chunk (section 4), and measured
 * (section 7).
 *
 * <p>Threads: each request runs on its own Helidon virtual thread, which owns its request, its call
 * to the instance and its timings; the schedulers' per-instance counts are atomics shared by every
 * request thread; one timer thread ({@code dataplane-timeouts}) fires the timeouts, which only
 * abort calls and wake waiting requests. Registry changes reach the data plane as the immutable
 * {@code ClusterView} it reads on every decision.
 */
package io.mscoordinator.dataplane;
