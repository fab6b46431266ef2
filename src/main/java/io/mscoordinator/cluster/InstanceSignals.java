package io.mscoordinator.cluster;

/**
 * Live load figures of the registered instances, as their own {@code /metrics} last reported them
 * (node scraping provides them; the data plane's schedulers read them). An instance not scraped
 * yet, or whose body has no such figure, reads as unknown ({@link Double#NaN}).
 *
 * <p>Implementations are threadsafe, cheap and never block: request threads read them on every
 * scheduling decision.
 */
public interface InstanceSignals {
  /** No figures at all: every instance reads as unknown. */
  InstanceSignals NONE =
      new InstanceSignals() {
        @Override
        public double waiting(long instanceId) {
          return Double.NaN;
        }

        @Override
        public double cacheUsage(long instanceId) {
          return Double.NaN;
        }
      };

  /** Requests waiting in the instance's own queue (not yet running), or NaN when unknown. */
  double waiting(long instanceId);

  /** The instance's KV-cache use as a fraction in [0, 1], or NaN when unknown. */
  double cacheUsage(long instanceId);
}
