package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * The receiver's body path after the HTTP layer (protobuf or proto3-JSON decode, then the mapping
 * onto a sink) under any bytes a sender can post. The first input byte picks the format (even:
 * protobuf, odd: JSON), the rest is the body. Whatever the input, the decoder returns an export or
 * throws {@link OtlpDecodeException} with a short reason (the 400 answer), and the mapper accounts
 * for every point it was given: accepted plus rejected is the point count. Any other exception is a
 * finding: the handler would answer 500.
 *
 * <p>Seeds: the opentelemetry-cpp 1.16 JSON fixtures and the reference protobuf request, under
 * {@code src/test/resources/io/mscoordinator/otlp/ExportDecoderFuzzTestInputs/decode}. Run as
 * regression tests by {@code mvn verify}; fuzz with {@code bin/fuzz 30s
 * ExportDecoderFuzzTest#decode}.
 */
class ExportDecoderFuzzTest {
  private static final int MAX_REASON = 512;

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "\"resourceMetrics\"",
    "\"scopeMetrics\"",
    "\"metrics\"",
    "\"dataPoints\"",
    "\"histogram\"",
    "\"sum\"",
    "\"gauge\"",
    "\"exponentialHistogram\"",
    "\"summary\"",
    "\"bucketCounts\"",
    "\"explicitBounds\"",
    "\"aggregationTemporality\"",
    "\"isMonotonic\"",
    "\"asInt\"",
    "\"asDouble\"",
    "\"attributes\"",
    "\"stringValue\"",
    "\"startTimeUnixNano\"",
    "18446744073709551615",
    "-9223372036854775808",
    "1e309",
  })
  void decode(byte[] input) {
    if (input.length == 0) {
      return;
    }
    boolean json = (input[0] & 1) == 1;
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    DecodedExport export;
    try {
      export =
          json
              ? JsonExportDecoder.decode(body, body.length)
              : ProtobufExportDecoder.decode(body, body.length);
    } catch (OtlpDecodeException e) {
      assertThat(e.getMessage(), notNullValue());
      assertThat(e.getMessage().length(), lessThanOrEqualTo(MAX_REASON));
      return;
    }
    int points = export.pointCount();
    AccumulatingSink sink = new AccumulatingSink(1_000);
    ExportMapper mapper =
        new ExportMapper(sink, new SeriesKeys(OtlpSettings.defaults()), new CumulativeStreams(100));
    ExportMapper.Outcome outcome = mapper.map(export);
    assertThat(outcome.accepted() + outcome.rejected(), is(points));
    sink.text();
  }
}
