package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.mscoordinator.Eventually;
import io.mscoordinator.config.Section;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import jakarta.json.Json;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The agent thread allocates nothing per event in the steady state. */
class AgentAllocationTest {
  private static final int EVENTS = 300_000;

  @Test
  void shouldNotAllocateOnTheAgentThreadPerEvent() throws Exception {
    MetricsCore core =
        MetricsCore.start(
            MetricsSettings.parse(
                Section.of(
                    Json.createObjectBuilder().add("ring_file", "").build(), "metrics_config")));
    try {
      MetricsProducer p = core.producer();
      long c = p.registerSeries("forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT);
      long g = p.registerSeries("kv_usage", MetricKind.GAUGE, MetricUnit.NONE);
      long h = p.registerSeries("time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.NONE);
      core.snapshot(); // the three registers are read
      offer(core, p, c, g, h); // warm-up: JIT, histogram range, map sizes
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long agent = core.agentThread().threadId();
      long before = mx.getThreadAllocatedBytes(agent);
      offer(core, p, c, g, h);
      long allocated = mx.getThreadAllocatedBytes(agent) - before;
      // Even 1 byte per event would be 900 kB here; allow a little for one-off JVM work.
      assertThat(
          "bytes allocated by the agent for " + 3 * EVENTS + " events",
          allocated,
          lessThan(16_384L));
    } finally {
      core.close();
    }
  }

  private static void offer(MetricsCore core, MetricsProducer p, long c, long g, long h)
      throws InterruptedException {
    long target = core.counters().events(Transport.IN_PROCESS) + 3L * EVENTS;
    for (int i = 0; i < EVENTS; i++) {
      while (!p.counterAdd(c, 1)) {
        Thread.onSpinWait();
      }
      while (!p.gaugeSet(g, i)) {
        Thread.onSpinWait();
      }
      while (!p.histogramRecord(h, 1 + (i % 100_000))) {
        Thread.onSpinWait();
      }
    }
    Eventually.poll(
        () -> core.counters().events(Transport.IN_PROCESS),
        events -> events >= target,
        Duration.ofSeconds(30));
    assertThat(core.counters().events(Transport.IN_PROCESS), is(target));
  }
}
