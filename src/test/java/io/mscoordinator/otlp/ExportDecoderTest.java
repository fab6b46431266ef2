package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Both decoders against bodies written by the reference protobuf runtime. */
class ExportDecoderTest {
  /** The decoded model as text, one line per metric and per point. */
  static String describe(DecodedExport export) {
    StringBuilder sb = new StringBuilder();
    for (DecodedExport.Metric m : export.metrics) {
      sb.append(m.name)
          .append(" type=")
          .append(m.type)
          .append(" temporality=")
          .append(m.temporality)
          .append(" monotonic=")
          .append(m.monotonic)
          .append(" resource=")
          .append(m.resource)
          .append(" counted=")
          .append(m.countedPoints)
          .append('\n');
      for (DecodedExport.Point p : m.points) {
        sb.append("  attrs=")
            .append(p.attributes)
            .append(" start=")
            .append(p.startNanos)
            .append(" time=")
            .append(p.timeNanos)
            .append(" value=")
            .append(p.value)
            .append(" count=")
            .append(p.count)
            .append(" sum=")
            .append(p.sum)
            .append(" buckets=")
            .append(Arrays.toString(p.bucketCounts))
            .append(" bounds=")
            .append(Arrays.toString(p.bounds))
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static final String EXPECTED =
      "time_to_first_token_us type=HISTOGRAM temporality=1 monotonic=false"
          + " resource=[service.name, ksana_llm, container_name, ksana-0] counted=0\n"
          + "  attrs=[instance, 10.0.0.7:8080, rank, -3, ratio, 0.5, warm, true]"
          + " start=1718000000000000000 time=1718000010000000000 value=0.0 count=4 sum=12615.5"
          + " buckets=[0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]"
          + " bounds=[0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0,"
          + " 2500.0, 5000.0, 7500.0, 10000.0]\n"
          + "forward_req_total_num type=SUM temporality=2 monotonic=true"
          + " resource=[service.name, ksana_llm, container_name, ksana-0] counted=0\n"
          + "  attrs=[instance, 10.0.0.7:8080] start=1718000000000000000"
          + " time=1718000010000000000 value=9.007199254740992E15 count=0 sum=0.0 buckets=[]"
          + " bounds=[]\n"
          + "batch_scheduler_waiting_size_1 type=GAUGE temporality=0 monotonic=false"
          + " resource=[service.name, ksana_llm, container_name, ksana-0] counted=0\n"
          + "  attrs=[instance, 10.0.0.7:8080] start=0 time=0 value=2.5 count=0 sum=0.0"
          + " buckets=[] bounds=[]\n"
          + "expo type=EXPONENTIAL_HISTOGRAM temporality=1 monotonic=false"
          + " resource=[service.name, ksana_llm, container_name, ksana-0] counted=1\n"
          + "summary type=SUMMARY temporality=0 monotonic=false"
          + " resource=[service.name, ksana_llm, container_name, ksana-0] counted=2\n";

  /** Parsson's skipObject/skipArray spin forever at the end of such a body (fuzzer finding). */
  @Test
  void shouldRefuseJsonThatEndsInsideASkippedValueQuickly() {
    String[] bodies = {
      "{\"unknown\":{\"a\":[1,{\"b\":2",
      "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"x\",\"other\":[[",
    };
    for (String body : bodies) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OtlpDecodeException e =
          assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(5),
              () ->
                  assertThrows(
                      OtlpDecodeException.class,
                      () -> JsonExportDecoder.decode(bytes, bytes.length)));
      assertThat(e.getMessage(), containsString("JSON"));
    }
  }

  @Test
  void shouldDecodeReferenceProtobuf() throws Exception {
    byte[] body = ReferenceExports.ksanaRequest().toByteArray();

    assertThat(describe(ProtobufExportDecoder.decode(body, body.length)), is(EXPECTED));
  }

  @Test
  void shouldDecodeReferenceJsonWithCamelCaseNames() throws Exception {
    byte[] body =
        JsonFormat.printer()
            .print(ReferenceExports.ksanaRequest())
            .getBytes(StandardCharsets.UTF_8);

    assertThat(describe(JsonExportDecoder.decode(body, body.length)), is(EXPECTED));
  }

  @Test
  void shouldDecodeReferenceJsonWithOriginalNamesAndEnumNumbers() throws Exception {
    byte[] body =
        JsonFormat.printer()
            .preservingProtoFieldNames()
            .printingEnumsAsInts()
            .print(ReferenceExports.ksanaRequest())
            .getBytes(StandardCharsets.UTF_8);

    assertThat(describe(JsonExportDecoder.decode(body, body.length)), is(EXPECTED));
  }

  @Test
  void shouldDecodeUnpackedBucketCounts() throws Exception {
    // Field 6 (bucket_counts) as two separate fixed64 fields instead of one packed field.
    byte[] point = {0x31, 2, 0, 0, 0, 0, 0, 0, 0, 0x31, 3, 0, 0, 0, 0, 0, 0, 0};
    byte[] histogram = concat(new byte[] {0x0A, (byte) point.length}, point);
    byte[] metric = concat(new byte[] {0x4A, (byte) histogram.length}, histogram);
    byte[] scope = concat(new byte[] {0x12, (byte) metric.length}, metric);
    byte[] resource = concat(new byte[] {0x12, (byte) scope.length}, scope);
    byte[] body = concat(new byte[] {0x0A, (byte) resource.length}, resource);

    DecodedExport export = ProtobufExportDecoder.decode(body, body.length);

    assertThat(Arrays.toString(export.metrics.get(0).points.get(0).bucketCounts), is("[2, 3]"));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void shouldRefuseEveryTruncationWithDecodeExceptionOnly() {
    byte[] body = ReferenceExports.ksanaRequest().toByteArray();
    for (int length = 0; length < body.length; length++) {
      try {
        ProtobufExportDecoder.decode(body, length);
      } catch (OtlpDecodeException e) {
        // expected for most prefixes; some end on a field boundary and are valid
      }
    }
    OtlpDecodeException e =
        assertThrows(
            OtlpDecodeException.class, () -> ProtobufExportDecoder.decode(body, body.length - 1));
    assertThat(e.getMessage(), containsString("truncated protobuf"));
  }

  @Test
  void shouldRefuseJsonStringWhereObjectBelongs() {
    byte[] body = "{\"resourceMetrics\":[\"x\"]}".getBytes(StandardCharsets.UTF_8);

    OtlpDecodeException e =
        assertThrows(OtlpDecodeException.class, () -> JsonExportDecoder.decode(body, body.length));

    assertThat(e.getMessage(), containsString("field=resourceMetrics expected=object"));
  }

  @Test
  void shouldRefuseJsonWithContentAfterTheObject() {
    byte[] body = "{} {}".getBytes(StandardCharsets.UTF_8);

    assertThrows(OtlpDecodeException.class, () -> JsonExportDecoder.decode(body, body.length));
  }
}
