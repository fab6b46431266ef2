package io.mscoordinator.metrics;

import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip (RFC 1952) into a reused array with a reused {@link Deflater}, so a pooled renderer
 * compresses without allocating. Confined to one thread at a time.
 */
final class GzipEncoder {
  private static final int HEADER = 10;
  private static final int TRAILER = 8;

  private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
  private final CRC32 crc = new CRC32();
  private byte[] out = new byte[16 * 1024];
  private int length;

  /** Compresses {@code in[0..n)}; the result is {@code array()[0..length())}. */
  void encode(byte[] in, int n) {
    deflater.reset();
    crc.reset();
    crc.update(in, 0, n);
    if (out.length < HEADER + TRAILER + 64) {
      out = new byte[HEADER + TRAILER + 64];
    }
    out[0] = 0x1f;
    out[1] = (byte) 0x8b;
    out[2] = Deflater.DEFLATED;
    for (int i = 3; i < HEADER; i++) {
      out[i] = 0;
    }
    out[9] = (byte) 0xff; // OS unknown
    int at = HEADER;
    deflater.setInput(in, 0, n);
    deflater.finish();
    while (!deflater.finished()) {
      if (at == out.length - TRAILER) {
        out = java.util.Arrays.copyOf(out, out.length * 2);
      }
      at += deflater.deflate(out, at, out.length - TRAILER - at);
    }
    int crcValue = (int) crc.getValue();
    for (int i = 0; i < 4; i++) {
      out[at + i] = (byte) (crcValue >>> (8 * i));
      out[at + 4 + i] = (byte) (n >>> (8 * i));
    }
    length = at + TRAILER;
  }

  byte[] array() {
    return out;
  }

  int length() {
    return length;
  }

  /** Frees the native deflater; for renderers that are not returned to a pool. */
  void end() {
    deflater.end();
  }
}
