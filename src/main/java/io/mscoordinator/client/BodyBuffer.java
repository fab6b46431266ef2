package io.mscoordinator.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A response body read whole into arrays that are reused from one call to the next: the bytes as
 * sent and, for a gzip body, the gunzipped bytes. Only the first {@link #length()} bytes of {@link
 * #array()} are the body, valid until the next read into this buffer: whoever reads them must not
 * keep the array.
 *
 * <p>Confined to the thread that calls with it (a scraped node's thread).
 *
 * <p>The arrays grow by doubling up to the call's body limit; every {@value #TRIM_EVERY} reads one
 * four times larger than every body since is let go, so that a single large body does not pin its
 * array for good.
 */
public final class BodyBuffer {
  static final int INITIAL = 64 * 1024;

  /** Reads between two looks at whether an array is far larger than recent bodies. */
  static final int TRIM_EVERY = 64;

  private static final byte[] EMPTY = new byte[0];

  byte[] raw = EMPTY;
  int rawLength;
  byte[] plain = EMPTY;
  int plainLength;
  boolean gunzipped;
  private int reads;
  private int peakRaw;
  private int peakPlain;

  /** The body: its first {@link #length()} bytes. */
  public byte[] array() {
    return gunzipped ? plain : raw;
  }

  public int length() {
    return gunzipped ? plainLength : rawLength;
  }

  /** Lets go of both arrays (an idle caller may be kept for long); a later read starts afresh. */
  public void release() {
    raw = EMPTY;
    plain = EMPTY;
    clear();
  }

  /** Starts a read: the last body is no longer read, so an oversized array may go. */
  void clear() {
    trim();
    rawLength = 0;
    plainLength = 0;
    gunzipped = false;
  }

  /**
   * Makes room for {@code needed} raw bytes, keeping the first {@code keep}; at most {@code max}.
   */
  void ensureRaw(long needed, int keep, int max) {
    if (needed > raw.length) {
      raw = grown(raw, needed, keep, max);
    }
  }

  /** Makes room for {@code needed} gunzipped bytes, keeping the first {@code keep}. */
  void ensurePlain(long needed, int keep, int max) {
    if (needed > plain.length) {
      plain = grown(plain, needed, keep, max);
    }
  }

  void rawRead(int length) {
    rawLength = length;
    peakRaw = Math.max(peakRaw, length);
  }

  void plainRead(int length) {
    plainLength = length;
    peakPlain = Math.max(peakPlain, length);
    gunzipped = true;
  }

  /**
   * Gunzips the raw body (one or more gzip members; trailing bytes that are not one are ignored)
   * into the plain array, at most {@code max} bytes.
   */
  void gunzip(int max, String url) throws CallException {
    int n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw, 0, rawLength))) {
      while (true) {
        if (n == plain.length) {
          if (n >= max) {
            // full at the limit: one more byte is one too many
            if (in.read() < 0) {
              break;
            }
            throw new CallException(
                CallException.Failure.TOO_LARGE,
                "body too large after gunzip: url=" + url + " limit=" + max);
          }
          ensurePlain(n + 1L, n, max);
        }
        int r = in.read(plain, n, plain.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (CallException e) {
      throw e;
    } catch (IOException e) {
      throw new CallException(
          CallException.Failure.BAD_GZIP,
          "bad gzip body: url=" + url + " reason=" + e.getMessage());
    }
    plainRead(n);
  }

  /** A copy of {@code a}'s first {@code keep} bytes in an array doubled until it holds needed. */
  private static byte[] grown(byte[] a, long needed, int keep, int max) {
    if (needed > max) {
      throw new IllegalStateException("buffer over the limit: needed=" + needed + " limit=" + max);
    }
    long size = Math.max(a.length, Math.min(INITIAL, max));
    while (size < needed) {
      size = Math.min(max, 2 * size);
    }
    byte[] bigger = new byte[(int) size];
    System.arraycopy(a, 0, bigger, 0, keep);
    return bigger;
  }

  private void trim() {
    if (++reads < TRIM_EVERY) {
      return;
    }
    if (raw.length > INITIAL && raw.length > 4L * peakRaw) {
      raw = EMPTY;
    }
    if (plain.length > INITIAL && plain.length > 4L * peakPlain) {
      plain = EMPTY;
    }
    reads = 0;
    peakRaw = 0;
    peakPlain = 0;
  }
}
