package io.mscoordinator.dataplane;

import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.ingest.MetricsProducer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Placeholder of what the data plane measures, with the interface the forwarding code calls; the
 * recording into the metrics core replaces it (branch {@code dataplane-metrics}). Counts only the
 * requests in flight.
 */
public final class RequestMetrics {
  private final AtomicLong inFlight = new AtomicLong();
  private static final Timings NONE =
      new Timings() {
        @Override
        public void queue(long nanos) {}

        @Override
        public void dispatchOverhead(long nanos) {}

        @Override
        public void timeToFirstToken(long nanos) {}

        @Override
        public void interToken(long nanos) {}

        @Override
        public void relay(long nanos) {}

        @Override
        public void e2e(long nanos) {}

        @Override
        public void prefill(long nanos) {}

        @Override
        public void pdHandoff(long nanos) {}
      };

  public RequestMetrics(MetricsProducer producer) {}

  /** The timings of one request's phases, in nanoseconds. */
  interface Timings {
    void queue(long nanos);

    void dispatchOverhead(long nanos);

    void timeToFirstToken(long nanos);

    void interToken(long nanos);

    void relay(long nanos);

    void e2e(long nanos);

    void prefill(long nanos);

    void pdHandoff(long nanos);
  }

  Timings timings(String modelName) {
    return NONE;
  }

  Timings timings(String modelName, long instanceId, String role) {
    return NONE;
  }

  void answered(String dialect, String modelName, int status) {}

  void failed(String reason, String modelName) {}

  void retried(String reason, String modelName) {}

  void started() {
    inFlight.incrementAndGet();
  }

  void finished() {
    inFlight.decrementAndGet();
  }

  long inFlight() {
    return inFlight.get();
  }

  List<FamilySource> families() {
    return List.of();
  }

  List<FamilySource> instanceFamilies() {
    return List.of();
  }

  void enabled(boolean on) {}
}
