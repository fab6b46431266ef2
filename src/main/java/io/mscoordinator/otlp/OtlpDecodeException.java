package io.mscoordinator.otlp;

/** A body that is not a well-formed {@code ExportMetricsServiceRequest}; answered with 400. */
final class OtlpDecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  OtlpDecodeException(String message) {
    super(message);
  }
}
