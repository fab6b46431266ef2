package io.mscoordinator.otlp;

import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import io.helidon.http.encoding.ContentEncodingContext;
import java.util.Set;

/**
 * Makes Helidon accept the request content encodings a sender may use and hand the body over as
 * sent, so {@link OtlpService} inflates gzip itself within the body limit (Helidon's own gzip
 * decoder has no bound on the inflated size) and answers 415 for the others. Without a decoder for
 * a name Helidon refuses the request with a bare 400 before any handler runs.
 *
 * <p>Immutable; threadsafe.
 */
final class PassThroughEncodings implements ContentEncoding {
  static final Set<String> IDS = Set.of("gzip", "x-gzip", "deflate", "br", "zstd", "compress");

  private PassThroughEncodings() {}

  /** The content encoding context of the OTLP listener. */
  static ContentEncodingContext context() {
    return ContentEncodingContext.builder()
        .contentEncodingsDiscoverServices(false)
        .addContentEncoding(new PassThroughEncodings())
        .build();
  }

  @Override
  public Set<String> ids() {
    return IDS;
  }

  @Override
  public boolean supportsEncoding() {
    return false;
  }

  @Override
  public boolean supportsDecoding() {
    return true;
  }

  @Override
  public ContentDecoder decoder() {
    return ContentDecoder.NO_OP;
  }

  @Override
  public ContentEncoder encoder() {
    return ContentEncoder.NO_OP;
  }

  @Override
  public String name() {
    return "otlp-pass-through";
  }

  @Override
  public String type() {
    return "otlp-pass-through";
  }
}
