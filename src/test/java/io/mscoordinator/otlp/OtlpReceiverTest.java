package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Golden;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The OTLP listener over a real socket, with the shipped config and the real metrics core: every
 * figure is read back through GET /metrics.
 */
class OtlpReceiverTest {
  private static final Path FIXTURES = TestData.resource("otlp/cpp-1.16");
  private static final String EXPECTED = "expected.txt";
  private static final String JSON = "application/json";
  private static final String PROTOBUF = "application/x-protobuf";

  private static byte[] fixture(String name) {
    try {
      return Files.readAllBytes(FIXTURES.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Double> expected() {
    return Samples.of(fixture(EXPECTED));
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static HttpResponse<String> post(
      TestHttp http, byte[] body, String type, Optional<String> encoding) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(http.base().resolve("/v1/metrics"))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    encoding.ifPresent(e -> b.header("Content-Encoding", e));
    return http.send(b);
  }

  private static void postFixtures(TestHttp otlp, boolean gzipped) {
    for (int i = 1; i <= 3; i++) {
      byte[] body = fixture("export-" + i + ".json");
      HttpResponse<String> res =
          gzipped
              ? post(otlp, gzip(body), JSON, Optional.of("gzip"))
              : otlp.post("/v1/metrics", body, JSON);
      assertThat(res.body(), res.statusCode(), is(200));
      assertThat(res.body(), is("{}"));
    }
  }

  @Test
  void shouldExposeCppJsonExportsAsCumulativeSeries() throws Exception {
    try (Coordinator c = TestCoordinators.startShipped()) {
      postFixtures(TestCoordinators.otlp(c), false);

      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
      Samples.assertReferenceToolsAccept(c);
    }
  }

  @Test
  void shouldAddUpCppJsonExportsPostedTwice() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      TestHttp otlp = TestCoordinators.otlp(c);
      postFixtures(otlp, false);
      postFixtures(otlp, false);

      Golden.assertSamples(EXPECTED + " times 2", Samples.times(expected(), 2), Samples.scrape(c));
    }
  }

  @Test
  void shouldExposeGzippedJsonExportsLikePlainOnes() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      postFixtures(TestCoordinators.otlp(c), true);

      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
    }
  }

  @Test
  void shouldAnswer415WhenContentTypeIsUnknown() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", fixture("export-1.json"), "text/plain");

      assertThat(res.statusCode(), is(415));
      assertThat(res.body(), containsString("content_type=text/plain"));
      assertThat(Samples.scrape(c), is(Map.of()));
    }
  }

  @Test
  void shouldAnswer415WhenContentTypeIsMissing() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res = TestCoordinators.otlp(c).post("/v1/metrics", "{}");

      assertThat(res.statusCode(), is(415));
    }
  }

  @Test
  void shouldAnswer415WhenContentEncodingIsUnknown() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res =
          post(TestCoordinators.otlp(c), fixture("export-1.json"), JSON, Optional.of("br"));

      assertThat(res.body(), res.statusCode(), is(415));
      assertThat(res.body(), containsString("content_encoding=br"));
      assertThat(Samples.scrape(c), is(Map.of()));
    }
  }

  @Test
  void shouldAnswer400AndKeepStoredSeriesWhenProtobufIsTruncated() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      TestHttp otlp = TestCoordinators.otlp(c);
      postFixtures(otlp, false);
      byte[] proto = ReferenceExports.ksanaRequest().toByteArray();

      HttpResponse<String> res =
          otlp.post("/v1/metrics", Arrays.copyOf(proto, proto.length - 3), PROTOBUF);

      assertThat(res.statusCode(), is(400));
      assertThat(res.body(), containsString("truncated protobuf"));
      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
    }
  }

  @Test
  void shouldAnswer400AndKeepStoredSeriesWhenJsonHasWrongType() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      TestHttp otlp = TestCoordinators.otlp(c);
      postFixtures(otlp, false);
      String wrong =
          new String(fixture("export-1.json"), StandardCharsets.UTF_8)
              .replaceFirst("\"asInt\":\"[0-9]+\"", "\"asInt\":{\"x\":1}");

      HttpResponse<String> res =
          otlp.post("/v1/metrics", wrong.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(400));
      assertThat(res.body(), containsString("field=asInt"));
      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
    }
  }

  @Test
  void shouldAnswer413WithoutReadingA100MbBody() throws IOException {
    try (Coordinator c = TestCoordinators.startShipped();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), c.port(Coordinator.OTLP))) {
      postFixtures(TestCoordinators.otlp(c), false);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + (100L * 1024 * 1024)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[64 * 1024]);
      out.flush();

      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(response, startsWith("HTTP/1.1 413"));
      // refused by Helidon from the Content-Length, before routing: the route's Status all the same
      assertThat(response, containsString("Content-Type: application/json"));
      assertThat(
          response,
          containsString(
              "{\"code\":8,\"message\":\"body too large: as_sent limit_bytes=16777216\"}"));
      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
      assertThat(
          TestCoordinators.manage(c).get("/metrics").body(),
          containsString("ms_coordinator_otlp_requests_total{code=\"413\"} 1\n"));
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\r'; b = in.read()) {
      sb.append((char) b);
    }
    return sb.toString();
  }

  @Test
  void shouldAnswer413WhenGzipBodyInflatesPastLimit() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      postFixtures(TestCoordinators.otlp(c), false);
      byte[] bomb = gzip(new byte[100 * 1024 * 1024]);

      HttpResponse<String> res =
          post(TestCoordinators.otlp(c), bomb, PROTOBUF, Optional.of("gzip"));

      assertThat(res.statusCode(), is(413));
      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
    }
  }

  /**
   * The core's sink, answering RING_FULL to every offer while {@code full} is set: what the real
   * in-process ring answers when the agent falls behind, which a test cannot provoke on demand.
   */
  private static OtlpSink fullWhile(OtlpSink real, AtomicBoolean full) {
    return new OtlpSink() {
      @Override
      public Offer counterAdd(SeriesKey key, double delta) {
        return full.get() ? Offer.RING_FULL : real.counterAdd(key, delta);
      }

      @Override
      public Offer gaugeSet(SeriesKey key, double value) {
        return full.get() ? Offer.RING_FULL : real.gaugeSet(key, value);
      }

      @Override
      public Offer bucketHistogramAdd(
          SeriesKey key, double[] bounds, long[] counts, double sum, long count) {
        return full.get()
            ? Offer.RING_FULL
            : real.bucketHistogramAdd(key, bounds, counts, sum, count);
      }
    };
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenRingIsFullAndCountARetryOnce() {
    AtomicBoolean full = new AtomicBoolean();
    try (Coordinator c =
        TestCoordinators.start(
            TestCoordinators.shipped(), core -> fullWhile(Coordinator.coreSink(core), full))) {
      TestHttp otlp = TestCoordinators.otlp(c);
      assertThat(otlp.post("/v1/metrics", fixture("export-1.json"), JSON).statusCode(), is(200));
      Map<String, Double> afterFirst = Samples.scrape(c);
      full.set(true);

      HttpResponse<String> res = otlp.post("/v1/metrics", fixture("export-2.json"), JSON);

      assertThat(res.statusCode(), is(503));
      assertThat(res.headers().firstValue("Retry-After").orElse(""), is("1"));
      assertThat(res.body(), containsString("ingest ring full"));
      assertThat(Samples.scrape(c), is(afterFirst));
      full.set(false);
      assertThat(otlp.post("/v1/metrics", fixture("export-2.json"), JSON).statusCode(), is(200));
      assertThat(otlp.post("/v1/metrics", fixture("export-3.json"), JSON).statusCode(), is(200));
      Golden.assertSamples(EXPECTED, expected(), Samples.scrape(c));
    }
  }

  @Test
  void shouldReportRejectedPointsForSummaryInPartialSuccess() {
    String body =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"s\",\"summary\":"
            + "{\"dataPoints\":[{\"count\":\"1\"},{\"count\":\"2\"}]}}]}]}]}";
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      assertThat(res.body(), containsString("\"rejectedDataPoints\":\"2\""));
      assertThat(res.body(), containsString("unsupported_type=2"));
      assertThat(Samples.scrape(c), is(Map.of()));
    }
  }

  @Test
  void shouldRejectFractionalCounterDeltasAsInvalid() {
    String body =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"c\",\"sum\":"
            + "{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":"
            + "[{\"asDouble\":1.5},{\"asDouble\":2}]}}]}]}]}";
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      assertThat(res.body(), containsString("\"rejectedDataPoints\":\"1\""));
      assertThat(res.body(), containsString("invalid=1"));
      assertThat(Samples.scrape(c), is(Map.of("c", 2.0)));
    }
  }

  @Test
  void shouldRefuseTheCoordinatorsOwnFamilyNamesFromAnEngine() {
    String body =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":"
            + "\"ms_coordinator_requests_in_flight\",\"gauge\":{\"dataPoints\":"
            + "[{\"asInt\":\"999\"}]}}]}]}]}";
    try (Coordinator c = TestCoordinators.startShipped()) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      String metrics = TestCoordinators.manage(c).get("/metrics").body();
      assertThat(metrics, not(containsString("ms_coordinator_requests_in_flight 999")));
      assertThat(
          Samples.of(metrics).get("ms_coordinator_series_refused_total{reason=\"invalid\"}"),
          is(1.0));
      assertThat(Samples.scrape(c), is(Map.of()));
    }
  }

  @Test
  void shouldHoldSeriesLimitAndStayHealthyWhen100kAttributeValuesArrive() {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      points
          .append(i == 0 ? "" : ",")
          .append("{\"attributes\":[{\"key\":\"req\",\"value\":{\"stringValue\":\"")
          .append(i)
          .append("\"}}],\"asInt\":\"1\"}");
    }
    String body =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"forward_req_total_num\","
            + "\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":["
            + points
            + "]}}]}]}]}";
    JsonObject limit1000 =
        Json.createObjectBuilder().add("ring_file", "").add("series_limit", 1000).build();
    try (Coordinator c =
        Coordinator.start(TestCoordinators.config(TestCoordinators.shipped(), limit1000))) {
      TestHttp otlp = TestCoordinators.otlp(c);

      HttpResponse<String> res =
          otlp.post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      assertThat(res.body(), containsString("\"rejectedDataPoints\":\"99000\""));
      assertThat(res.body(), containsString("series_refused=99000"));
      Map<String, Double> first = Samples.scrape(c);
      assertThat(first.size(), is(1_000));
      assertThat(first.values().stream().allMatch(v -> v == 1.0), is(true));
      assertThat(TestCoordinators.manage(c).get("/v1/health").statusCode(), is(200));
      String again = body.replace("\"stringValue\":\"5\"", "\"stringValue\":\"x\"");
      HttpResponse<String> known =
          otlp.post("/v1/metrics", again.getBytes(StandardCharsets.UTF_8), JSON);
      assertThat(known.body(), containsString("\"rejectedDataPoints\":\"99001\""));
      Map<String, Double> second = Samples.scrape(c);
      assertThat(second.size(), is(1_000));
      assertThat(second.get("forward_req_total_num{req=\"6\"}"), is(2.0));
      assertThat(second.get("forward_req_total_num{req=\"5\"}"), is(1.0));
    }
  }

  @Test
  void shouldServeNothingButMetricsOnOtlpListener() {
    try (Coordinator c = TestCoordinators.startShipped()) {
      assertThat(TestCoordinators.otlp(c).get("/v1/health").statusCode(), is(404));
    }
  }
}
