package io.mscoordinator.dataplane;

/**
 * Chooses where a request runs (data-plane.md section 6): in single-node mode one instance, in
 * prefill/decode modes a prefill and a decode instance. Every scheduler counts per instance what it
 * has given and not yet got back ({@link Load}) and never gives an instance more than its capacity
 * ({@link Fleet#capacity}); it only chooses among {@linkplain Fleet#eligible eligible} instances.
 *
 * <p>Implementations are threadsafe: every request thread calls {@link #place} at once. They never
 * block and allocate little (the placement itself).
 */
interface Scheduler {
  /**
   * The placement of {@code request} in {@code fleet}, its slots taken; null when no eligible
   * instance can take it now (the request then waits for a slot or a registry change).
   */
  Placement place(InferenceRequest request, Fleet fleet);
}
