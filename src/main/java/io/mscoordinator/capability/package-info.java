/**
 * What a capability of the coordinator is ({@link io.mscoordinator.capability.Capability}) and what
 * it declares to the server that assembles them: routes ({@link
 * io.mscoordinator.capability.Routes}, with 405 and {@code Allow} for a wrong method), listeners
 * with their own limits, metric families.
 *
 * <p>Threads: the thread that starts the coordinator builds and binds everything here; request
 * threads only run the handlers bound through it.
 */
package io.mscoordinator.capability;
