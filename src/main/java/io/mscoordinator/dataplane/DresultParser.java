package io.mscoordinator.dataplane;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the messages of a decode instance's {@code GET /dresult} stream (data-plane.md section 5):
 * {@code keyword:payload\0}, where a {@code reqId:<id>\0} message names the request the messages
 * after it belong to, until the next one. The bytes come in pieces as the link reads them, and a
 * message may be split anywhere across pieces (MindIE sends a message and its id in one HTTP chunk,
 * but nothing guarantees the reads see those chunks whole).
 *
 * <p>Never confused by a malformed message: it is dropped, reported to the sink with its reason,
 * and the next one is read as usual. A message longer than the bound is dropped whole without being
 * buffered past the bound. A {@code reqId} that is not an id drops the messages after it up to the
 * next good one, rather than giving them to the previous request.
 *
 * <p>Confined to the link's thread. The payload handed to the sink is a view into the parser's
 * buffer or the caller's piece, valid only during the call.
 */
final class DresultParser {
  /** What a message says. */
  enum Kind {
    /** A piece of the answer, client-ready. */
    DATA("data"),
    /** The final piece; non-stream: the whole answer. */
    LAST_DATA("lastData"),
    /** Inference failed; the payload is the text. */
    ERROR("error"),
    /** Recompute; the payload is the rebuilt request body. */
    RETRY("retry"),
    /** Keep-alive ({@code ka:heartbeat}); its id, if any, is not looked at. */
    KEEP_ALIVE("ka"),
    /** Another coordinator took the link. */
    CLOSE("close");

    private final byte[] keyword;

    Kind(String keyword) {
      this.keyword = keyword.getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** Why a message was dropped. */
  enum Drop {
    /** No {@code :}, or an empty message. */
    MALFORMED,
    /** A keyword this protocol does not have. */
    UNKNOWN_KEYWORD,
    /** A request's message with no good {@code reqId} before it. */
    NO_REQ_ID,
    /** A {@code reqId} that is empty, too long, or not letters, digits, {@code -} and {@code _}. */
    BAD_REQ_ID,
    /** Longer than the parser's bound. */
    TOO_LARGE
  }

  /** Where the messages go. */
  interface Sink {
    /**
     * One message; {@code reqId} is null for a keep-alive. {@code payload[offset, offset + length)}
     * is valid during the call only.
     */
    void message(Kind kind, String reqId, byte[] payload, int offset, int length);

    /** A message was dropped. */
    void dropped(Drop reason);
  }

  /** The longest id taken: MindIE's are a uint64 in decimal or hex ({@code 0x} and 16 digits). */
  static final int MAX_REQ_ID = 64;

  private static final byte[] REQ_ID = "reqId".getBytes(StandardCharsets.US_ASCII);
  private static final Kind[] KINDS = Kind.values();

  private final int maxMessageBytes;
  private final Sink sink;

  // the message begun in an earlier piece and not ended yet
  private byte[] partial = new byte[256];
  private int partialLength;
  private boolean oversized;

  private String reqId;
  private long messages;

  /**
   * @param maxMessageBytes the longest message kept, keyword and payload, without its {@code \0}
   */
  DresultParser(int maxMessageBytes, Sink sink) {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes=" + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
    this.sink = sink;
  }

  /** Reads {@code bytes[offset, offset + length)}, the next piece of the stream. */
  void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int start = offset;
    for (int i = offset; i < end; i++) {
      if (bytes[i] != 0) {
        continue;
      }
      if (partialLength == 0 && !oversized) {
        // the whole message is in this piece: no copy
        message(bytes, start, i - start);
      } else {
        append(bytes, start, i - start);
        if (oversized) {
          messages++;
          sink.dropped(Drop.TOO_LARGE);
        } else {
          message(partial, 0, partialLength);
        }
        partialLength = 0;
        oversized = false;
      }
      start = i + 1;
    }
    append(bytes, start, end - start);
  }

  /** Messages ended so far (each {@code \0}), whatever became of them. */
  long messages() {
    return messages;
  }

  /** The request the next messages belong to, or null. */
  String reqId() {
    return reqId;
  }

  private void append(byte[] bytes, int offset, int length) {
    if (oversized || length == 0) {
      return;
    }
    if (partialLength + length > maxMessageBytes) {
      oversized = true;
      partialLength = 0;
      return;
    }
    if (partialLength + length > partial.length) {
      partial =
          Arrays.copyOf(
              partial,
              (int)
                  Math.min(maxMessageBytes, Math.max(partialLength + length, 2L * partial.length)));
    }
    System.arraycopy(bytes, offset, partial, partialLength, length);
    partialLength += length;
  }

  private void message(byte[] m, int offset, int length) {
    messages++;
    if (length > maxMessageBytes) {
      sink.dropped(Drop.TOO_LARGE);
      return;
    }
    int colon = -1;
    for (int i = offset; i < offset + length; i++) {
      if (m[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon < 0) {
      sink.dropped(Drop.MALFORMED);
      return;
    }
    int keyLength = colon - offset;
    int payload = colon + 1;
    int payloadLength = offset + length - payload;
    if (equals(m, offset, keyLength, REQ_ID)) {
      reqId = id(m, payload, payloadLength);
      if (reqId == null) {
        sink.dropped(Drop.BAD_REQ_ID);
      }
      return;
    }
    Kind kind = kind(m, offset, keyLength);
    if (kind == null) {
      sink.dropped(Drop.UNKNOWN_KEYWORD);
      return;
    }
    if (kind == Kind.KEEP_ALIVE) {
      sink.message(kind, null, m, payload, payloadLength);
      return;
    }
    if (reqId == null) {
      sink.dropped(Drop.NO_REQ_ID);
      return;
    }
    sink.message(kind, reqId, m, payload, payloadLength);
  }

  /** The id in {@code m[offset, offset + length)}: the current one when equal; null when bad. */
  private String id(byte[] m, int offset, int length) {
    if (length == 0 || length > MAX_REQ_ID) {
      return null;
    }
    for (int i = offset; i < offset + length; i++) {
      byte b = m[i];
      boolean ok =
          b >= '0' && b <= '9'
              || b >= 'a' && b <= 'z'
              || b >= 'A' && b <= 'Z'
              || b == '-'
              || b == '_';
      if (!ok) {
        return null;
      }
    }
    String current = reqId;
    if (current != null && current.length() == length) {
      boolean same = true;
      for (int i = 0; i < length && same; i++) {
        same = current.charAt(i) == m[offset + i];
      }
      if (same) {
        return current;
      }
    }
    return new String(m, offset, length, StandardCharsets.US_ASCII);
  }

  private static Kind kind(byte[] m, int offset, int length) {
    for (Kind k : KINDS) {
      if (equals(m, offset, length, k.keyword)) {
        return k;
      }
    }
    return null;
  }

  private static boolean equals(byte[] m, int offset, int length, byte[] word) {
    return Arrays.equals(m, offset, offset + length, word, 0, word.length);
  }
}
