/**
 * The OTLP/HTTP metrics receiver: POST {@code /v1/metrics} on its own listener (default {@code
 * 127.0.0.1:4318}), decoding {@code ExportMetricsServiceRequest} from protobuf or proto3 JSON and
 * handing deltas to an {@link io.mscoordinator.otlp.OtlpSink}.
 *
 * <p>Threads: request virtual threads of the {@code otlp} listener decode bodies and call the sink;
 * they own nothing but their request's buffers. The one shared structure is {@link
 * io.mscoordinator.otlp.CumulativeStreams} (threadsafe), the last value of every cumulative stream
 * needed to turn it into deltas. Metric state itself is never written here: the sink offers into
 * the ingest ring, and the metrics core's agent applies it.
 */
package io.mscoordinator.otlp;
