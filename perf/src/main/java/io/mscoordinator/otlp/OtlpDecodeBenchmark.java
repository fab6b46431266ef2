package io.mscoordinator.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.mscoordinator.perf.OtlpLoad;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one OTLP export of {@value #POINTS} points (the body {@code perf/run otlp} posts): the
 * receiver's hand-rolled decoders against the reference classes (protobuf-java 4.33.0 {@code
 * parseFrom}, and its {@code JsonFormat} parser for JSON), in ns per point. This is the measurement
 * behind the receiver's choice of hand-rolled decoders (issue 4).
 *
 * <p>Run: {@code perf/run jmh OtlpDecodeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class OtlpDecodeBenchmark {
  static final int POINTS = 1000;

  private byte[] protobuf;
  private byte[] json;
  private String jsonText;

  @Setup
  public void setUp() throws Exception {
    ExportMetricsServiceRequest request = OtlpLoad.request(POINTS);
    protobuf = request.toByteArray();
    jsonText = JsonFormat.printer().print(request);
    json = jsonText.getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  @OperationsPerInvocation(POINTS)
  public Object oursProtobuf() throws OtlpDecodeException {
    return ProtobufExportDecoder.decode(protobuf, protobuf.length);
  }

  @Benchmark
  @OperationsPerInvocation(POINTS)
  public Object referenceProtobuf() throws InvalidProtocolBufferException {
    return ExportMetricsServiceRequest.parseFrom(protobuf);
  }

  @Benchmark
  @OperationsPerInvocation(POINTS)
  public Object oursJson() throws OtlpDecodeException {
    return JsonExportDecoder.decode(json, json.length);
  }

  @Benchmark
  @OperationsPerInvocation(POINTS)
  public Object referenceJson() throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
    JsonFormat.parser().merge(new String(json, StandardCharsets.UTF_8), b);
    return b;
  }
}
