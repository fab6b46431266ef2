package io.mscoordinator.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/** Requests built with the reference protobuf classes (opentelemetry-proto + protobuf-java). */
final class ReferenceExports {
  static final List<Double> DEFAULT_BOUNDS =
      List.of(
          0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0,
          7500.0, 10000.0);

  private ReferenceExports() {}

  static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** Every metric type and attribute value kind the receiver reads, plus ones it skips. */
  static ExportMetricsServiceRequest ksanaRequest() {
    KeyValue instance = attribute("instance", "10.0.0.7:8080");
    HistogramDataPoint.Builder ttft =
        HistogramDataPoint.newBuilder()
            .addAttributes(instance)
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("rank")
                    .setValue(AnyValue.newBuilder().setIntValue(-3)))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("ratio")
                    .setValue(AnyValue.newBuilder().setDoubleValue(0.5)))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("warm")
                    .setValue(AnyValue.newBuilder().setBoolValue(true)))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("list")
                    .setValue(
                        AnyValue.newBuilder()
                            .setArrayValue(
                                ArrayValue.newBuilder()
                                    .addValues(AnyValue.newBuilder().setStringValue("a")))))
            .setStartTimeUnixNano(1_718_000_000_000_000_000L)
            .setTimeUnixNano(1_718_000_010_000_000_000L)
            .setCount(4)
            .setSum(12_615.5)
            .addAllExplicitBounds(DEFAULT_BOUNDS)
            .setMin(3)
            .setMax(12_000);
    long[] counts = {0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    for (long c : counts) {
      ttft.addBucketCounts(c);
    }
    Metric histogram =
        Metric.newBuilder()
            .setName("time_to_first_token_us")
            .setUnit("us")
            .setHistogram(
                Histogram.newBuilder()
                    .addDataPoints(ttft)
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA))
            .build();
    Metric counter =
        Metric.newBuilder()
            .setName("forward_req_total_num")
            .setSum(
                Sum.newBuilder()
                    .addDataPoints(
                        NumberDataPoint.newBuilder()
                            .addAttributes(instance)
                            .setStartTimeUnixNano(1_718_000_000_000_000_000L)
                            .setTimeUnixNano(1_718_000_010_000_000_000L)
                            .setAsInt(9_007_199_254_740_993L))
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .setIsMonotonic(true))
            .build();
    Metric gauge =
        Metric.newBuilder()
            .setName("batch_scheduler_waiting_size_1")
            .setGauge(
                Gauge.newBuilder()
                    .addDataPoints(
                        NumberDataPoint.newBuilder().addAttributes(instance).setAsDouble(2.5)))
            .build();
    Metric expo =
        Metric.newBuilder()
            .setName("expo")
            .setExponentialHistogram(
                ExponentialHistogram.newBuilder()
                    .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setCount(3))
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA))
            .build();
    Metric summary =
        Metric.newBuilder()
            .setName("summary")
            .setSummary(
                Summary.newBuilder()
                    .addDataPoints(SummaryDataPoint.newBuilder().setCount(1))
                    .addDataPoints(SummaryDataPoint.newBuilder().setCount(2)))
            .build();
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attribute("service.name", "ksana_llm"))
                        .addAttributes(attribute("container_name", "ksana-0")))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .addMetrics(histogram)
                        .addMetrics(counter)
                        .addMetrics(gauge)
                        .addMetrics(expo)
                        .addMetrics(summary)))
        .build();
  }
}
