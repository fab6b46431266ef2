package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.Instance;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a scheduler placed a request, holding the slots it took: the prefill and the decode
 * instance, the same one in single-node mode. {@link #release()} gives the slots back once, however
 * often it is called, and {@link #releasePrefill()} P's alone before; the dispatcher is told so
 * that a waiting request can take them.
 */
final class Placement {
  private final Instance prefill;
  private final Load prefillLoad;
  private final Instance decode;
  private final Load decodeLoad;
  private final Runnable released;
  private final AtomicBoolean open = new AtomicBoolean(true);
  private final AtomicBoolean prefillOpen = new AtomicBoolean(true);

  Placement(
      Instance prefill, Load prefillLoad, Instance decode, Load decodeLoad, Runnable released) {
    this.prefill = prefill;
    this.prefillLoad = prefillLoad;
    this.decode = decode;
    this.decodeLoad = decodeLoad;
    this.released = released;
  }

  /** A single-node placement. */
  static Placement single(Instance instance, Load load, Runnable released) {
    return new Placement(instance, load, instance, load, released);
  }

  Instance prefill() {
    return prefill;
  }

  Load prefillLoad() {
    return prefillLoad;
  }

  Instance decode() {
    return decode;
  }

  Load decodeLoad() {
    return decodeLoad;
  }

  boolean single() {
    return prefill == decode;
  }

  /**
   * Gives back the prefill instance's slot alone, once: P has answered and its part is done
   * (data-plane.md section 6: P's demand is released at its answer, D's at the end). Nothing in
   * single-node mode, where the one slot is held to the end.
   */
  void releasePrefill() {
    if (!single() && prefillOpen.compareAndSet(true, false)) {
      prefillLoad.release();
      released.run();
    }
  }

  void release() {
    if (open.compareAndSet(true, false)) {
      if (prefillOpen.compareAndSet(true, false)) {
        prefillLoad.release();
      }
      if (decodeLoad != prefillLoad) {
        decodeLoad.release();
      }
      released.run();
    }
  }
}
