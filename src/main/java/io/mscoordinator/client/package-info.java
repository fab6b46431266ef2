/**
 * The outbound HTTP/1.1 client layer: every call the coordinator makes to another process (node
 * scraping today; forwarding, {@code /dresult}, stopInfer and remote write next) goes through one
 * {@link io.mscoordinator.client.OutboundClient}: connections pooled and kept alive per {@link
 * io.mscoordinator.client.Destination}, client TLS per {@link
 * io.mscoordinator.client.DestinationKind}, per-call {@link io.mscoordinator.client.CallLimits}.
 *
 * <p>Threads: a call runs on the (virtual) thread that executes it, blocking; that thread owns the
 * call's connection and the {@link io.mscoordinator.client.BodyBuffer} it reads into until the
 * response is closed (a scraped node's thread, later a forwarding request's thread). The pools are
 * shared and threadsafe; {@link io.mscoordinator.client.Call#abort()} is the one thing another
 * thread does to a call (a stopping node, a cancelled request): it closes the call's socket.
 */
package io.mscoordinator.client;
