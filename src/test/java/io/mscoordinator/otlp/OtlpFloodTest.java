package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.ingest.RecordDescriptor;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Samples;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An engine that floods OTLP: three senders post 20,000-point exports back to back for a few
 * seconds into a coordinator whose in-process ring holds about 2,000 records, so nearly every
 * export finds it full. Afterwards: the coordinator stayed healthy throughout, every point a 200
 * answer accepted is in {@code /metrics} exactly once, every point not accepted was told to its
 * sender (partialSuccess or 503 with Retry-After), and the receiver's own counters say the same.
 */
class OtlpFloodTest {
  private static final int SENDERS = 3;
  private static final int POINTS = 20_000;
  private static final int SERIES = 100;
  private static final long FLOOD_NANOS = TimeUnit.SECONDS.toNanos(4);
  private static final int MAX_EXPORTS_PER_SENDER = 300;
  private static final Pattern REJECTED = Pattern.compile("\"rejectedDataPoints\":\"(\\d+)\"");

  @Test
  void shouldStayHealthyAndStoreExactlyWhatItAcceptedWhileAnEngineFloods() throws Exception {
    JsonObject smallRing =
        Json.createObjectBuilder()
            .add("ring_file", "")
            .add("in_process_ring_capacity_bytes", RecordDescriptor.MIN_RING_CAPACITY)
            .build();
    byte[] export = export().getBytes(StandardCharsets.UTF_8);
    try (Coordinator c =
        Coordinator.start(TestCoordinators.config(TestCoordinators.shipped(), smallRing))) {
      TestHttp otlp = TestCoordinators.otlp(c);
      TestHttp manage = TestCoordinators.manage(c);
      AtomicLong exports = new AtomicLong();
      AtomicLong accepted = new AtomicLong();
      AtomicLong rejected = new AtomicLong();
      AtomicLong answered503 = new AtomicLong();
      List<String> unexpected = new ArrayList<>();
      AtomicBoolean flooding = new AtomicBoolean(true);
      long deadline = System.nanoTime() + FLOOD_NANOS;
      List<Thread> senders = new ArrayList<>();
      for (int s = 0; s < SENDERS; s++) {
        senders.add(
            Thread.ofPlatform()
                .name("flood-" + s)
                .start(
                    () -> {
                      for (int i = 0;
                          i < MAX_EXPORTS_PER_SENDER && System.nanoTime() - deadline < 0;
                          i++) {
                        HttpResponse<String> res =
                            otlp.post("/v1/metrics", export, "application/json");
                        exports.incrementAndGet();
                        if (res.statusCode() == 200) {
                          Matcher m = REJECTED.matcher(res.body());
                          long refused = m.find() ? Long.parseLong(m.group(1)) : 0;
                          accepted.addAndGet(POINTS - refused);
                          rejected.addAndGet(refused);
                        } else if (res.statusCode() == 503
                            && res.headers().firstValue("Retry-After").isPresent()) {
                          answered503.incrementAndGet();
                          rejected.addAndGet(POINTS);
                        } else {
                          synchronized (unexpected) {
                            unexpected.add(res.statusCode() + " " + res.body());
                          }
                        }
                      }
                    }));
      }
      List<Integer> health = new ArrayList<>();
      Thread prober =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (flooding.get()) {
                      int code = manage.get("/v1/health").statusCode();
                      synchronized (health) {
                        health.add(code);
                      }
                      try {
                        Thread.sleep(50); // a probe every 50 ms through the flood: a rate, no wait
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      for (Thread t : senders) {
        t.join();
      }
      flooding.set(false);
      prober.join();

      c.metrics().snapshot();
      String body = manage.get("/metrics").body();
      Map<String, Double> samples = Samples.scrape(c);
      double stored =
          samples.entrySet().stream()
              .filter(e -> e.getKey().startsWith("forward_req_total_num{"))
              .mapToDouble(Map.Entry::getValue)
              .sum();

      assertThat(unexpected.toString(), unexpected.isEmpty(), is(true));
      assertThat(health.isEmpty(), is(false));
      assertThat(health.toString(), health.stream().allMatch(code -> code == 200), is(true));
      assertThat(accepted.get() + rejected.get(), is(exports.get() * POINTS));
      assertThat((long) stored, is(accepted.get()));
      assertThat(
          body,
          containsString(
              "ms_coordinator_otlp_points_total{outcome=\"accepted\"} " + accepted.get() + "\n"));
      assertThat(
          body,
          containsString(
              "ms_coordinator_otlp_points_total{outcome=\"ring_full\"} " + rejected.get() + "\n"));
      assertThat(
          body,
          containsString(
              "ms_coordinator_otlp_requests_total{code=\"503\"} " + answered503.get() + "\n"));
      assertThat(
          body,
          containsString(
              "ms_coordinator_otlp_requests_total{code=\"200\"} "
                  + (exports.get() - answered503.get())
                  + "\n"));
      // The flood did reach a full ring: records got in only by waiting for the agent.
      assertThat(ringFullWaits(body), greaterThan(0L));
      assertThat(manage.get("/v1/health").statusCode(), is(200));
    }
  }

  private static long ringFullWaits(String body) {
    Matcher m = Pattern.compile("ms_coordinator_otlp_ring_full_waits_total (\\d+)").matcher(body);
    assertThat(body, m.find(), is(true));
    return Long.parseLong(m.group(1));
  }

  /** One export of {@link #POINTS} delta counter points spread over {@link #SERIES} series. */
  private static String export() {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < POINTS; i++) {
      points
          .append(i == 0 ? "" : ",")
          .append("{\"attributes\":[{\"key\":\"slot\",\"value\":{\"stringValue\":\"")
          .append(i % SERIES)
          .append("\"}}],\"asInt\":\"1\"}");
    }
    return "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":"
        + "\"forward_req_total_num\",\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,"
        + "\"dataPoints\":["
        + points
        + "]}}]}]}]}";
  }
}
