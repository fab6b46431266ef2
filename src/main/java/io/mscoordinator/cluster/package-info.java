/**
 * The cluster as the controller describes it: the instance registry, its validation, the
 * master/standby state and the request tracker.
 *
 * <p>Threads: request virtual threads of the manage listener call in concurrently. The registry
 * publishes immutable {@link io.mscoordinator.cluster.ClusterView}s through one volatile field;
 * writers (refresh, offline, online) serialise on the registry's lock, readers never lock.
 */
package io.mscoordinator.cluster;
