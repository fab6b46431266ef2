package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
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
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The OTLP listener over a real socket, with the shipped config and an in-heap sink. */
class OtlpReceiverTest {
  private static final Path FIXTURES = Path.of("src", "test", "resources", "otlp", "cpp-1.16");
  private static final String JSON = "application/json";
  private static final String PROTOBUF = "application/x-protobuf";

  private static byte[] fixture(String name) {
    try {
      return Files.readAllBytes(FIXTURES.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String expected() {
    return new String(fixture("expected.txt"), StandardCharsets.UTF_8);
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
  void shouldAccumulateCppJsonExportsIntoCumulativeSeries() {
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      postFixtures(TestCoordinators.otlp(c), false);

      assertThat(sink.text(), is(expected()));
    }
  }

  @Test
  void shouldAccumulateGzippedJsonExportsLikePlainOnes() {
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      postFixtures(TestCoordinators.otlp(c), true);

      assertThat(sink.text(), is(expected()));
    }
  }

  @Test
  void shouldAnswer415WhenContentTypeIsUnknown() {
    try (Coordinator c =
        TestCoordinators.start(TestCoordinators.shipped(), new AccumulatingSink(10))) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", fixture("export-1.json"), "text/plain");

      assertThat(res.statusCode(), is(415));
      assertThat(res.body(), containsString("content_type=text/plain"));
    }
  }

  @Test
  void shouldAnswer415WhenContentTypeIsMissing() {
    try (Coordinator c =
        TestCoordinators.start(TestCoordinators.shipped(), new AccumulatingSink(10))) {
      HttpResponse<String> res = TestCoordinators.otlp(c).post("/v1/metrics", "{}");

      assertThat(res.statusCode(), is(415));
    }
  }

  @Test
  void shouldAnswer415WhenContentEncodingIsUnknown() {
    try (Coordinator c =
        TestCoordinators.start(TestCoordinators.shipped(), new AccumulatingSink(10))) {
      HttpResponse<String> res =
          post(TestCoordinators.otlp(c), fixture("export-1.json"), JSON, Optional.of("br"));

      assertThat(res.body(), res.statusCode(), is(415));
      assertThat(res.body(), containsString("content_encoding=br"));
    }
  }

  @Test
  void shouldAnswer400AndKeepStoredSeriesWhenProtobufIsTruncated() {
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      TestHttp otlp = TestCoordinators.otlp(c);
      postFixtures(otlp, false);
      byte[] proto = ReferenceExports.ksanaRequest().toByteArray();

      HttpResponse<String> res =
          otlp.post("/v1/metrics", Arrays.copyOf(proto, proto.length - 3), PROTOBUF);

      assertThat(res.statusCode(), is(400));
      assertThat(res.body(), containsString("truncated protobuf"));
      assertThat(sink.text(), is(expected()));
    }
  }

  @Test
  void shouldAnswer400AndKeepStoredSeriesWhenJsonHasWrongType() {
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      TestHttp otlp = TestCoordinators.otlp(c);
      postFixtures(otlp, false);
      String wrong =
          new String(fixture("export-1.json"), StandardCharsets.UTF_8)
              .replaceFirst("\"asInt\":\"[0-9]+\"", "\"asInt\":{\"x\":1}");

      HttpResponse<String> res =
          otlp.post("/v1/metrics", wrong.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(400));
      assertThat(res.body(), containsString("field=asInt"));
      assertThat(sink.text(), is(expected()));
    }
  }

  @Test
  void shouldAnswer413WithoutReadingA100MbBody() throws IOException {
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink);
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), c.port(Coordinator.OTLP))) {
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

      String status = statusLine(socket.getInputStream());

      assertThat(status, startsWith("HTTP/1.1 413"));
      assertThat(sink.seriesCount(), is(0));
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
    AccumulatingSink sink = new AccumulatingSink(100);
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      byte[] bomb = gzip(new byte[100 * 1024 * 1024]);

      HttpResponse<String> res =
          post(TestCoordinators.otlp(c), bomb, PROTOBUF, Optional.of("gzip"));

      assertThat(res.statusCode(), is(413));
      assertThat(sink.seriesCount(), is(0));
    }
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenRingIsFull() {
    OtlpSink full =
        new OtlpSink() {
          @Override
          public Offer counterAdd(SeriesKey key, double delta) {
            return Offer.RING_FULL;
          }

          @Override
          public Offer gaugeSet(SeriesKey key, double value) {
            return Offer.RING_FULL;
          }

          @Override
          public Offer bucketHistogramAdd(
              SeriesKey key, double[] bounds, long[] counts, double sum, long count) {
            return Offer.RING_FULL;
          }
        };
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), full)) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", fixture("export-1.json"), JSON);

      assertThat(res.statusCode(), is(503));
      assertThat(res.headers().firstValue("Retry-After").orElse(""), is("1"));
    }
  }

  @Test
  void shouldReportRejectedPointsForSummaryInPartialSuccess() {
    AccumulatingSink sink = new AccumulatingSink(100);
    String body =
        "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"s\",\"summary\":"
            + "{\"dataPoints\":[{\"count\":\"1\"},{\"count\":\"2\"}]}}]}]}]}";
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      HttpResponse<String> res =
          TestCoordinators.otlp(c).post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      assertThat(res.body(), containsString("\"rejectedDataPoints\":\"2\""));
      assertThat(res.body(), containsString("unsupported_type=2"));
    }
  }

  @Test
  void shouldHoldSeriesLimitAndStayHealthyWhen100kAttributeValuesArrive() {
    AccumulatingSink sink = new AccumulatingSink(1_000);
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
    try (Coordinator c = TestCoordinators.start(TestCoordinators.shipped(), sink)) {
      TestHttp otlp = TestCoordinators.otlp(c);

      HttpResponse<String> res =
          otlp.post("/v1/metrics", body.getBytes(StandardCharsets.UTF_8), JSON);

      assertThat(res.statusCode(), is(200));
      assertThat(res.body(), containsString("\"rejectedDataPoints\":\"99000\""));
      assertThat(sink.seriesCount(), is(1_000));
      assertThat(TestCoordinators.manage(c).get("/v1/health").statusCode(), is(200));
      String again = body.replace("\"stringValue\":\"5\"", "\"stringValue\":\"x\"");
      HttpResponse<String> known =
          otlp.post("/v1/metrics", again.getBytes(StandardCharsets.UTF_8), JSON);
      assertThat(known.body(), containsString("\"rejectedDataPoints\":\"99001\""));
      assertThat(sink.text(), containsString("forward_req_total_num{req=\"6\"} 2.0\n"));
    }
  }

  @Test
  void shouldServeNothingButMetricsOnOtlpListener() {
    try (Coordinator c =
        TestCoordinators.start(TestCoordinators.shipped(), new AccumulatingSink(10))) {
      assertThat(TestCoordinators.otlp(c).get("/v1/health").statusCode(), is(404));
    }
  }
}
