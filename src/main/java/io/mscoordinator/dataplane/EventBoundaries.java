package io.mscoordinator.dataplane;

/**
 * Counts the ends of Server-Sent Events in a stream read in pieces: an event ends at a blank line,
 * {@code \n\n} or {@code \r\n\r\n} (and {@code \r\r}), wherever the pieces split it. A chunk is not
 * an event and an event is not a token; this only finds where events end. A block of comment lines
 * only ({@code : ping}) is not an event, as in the SSE standard. Confined to one request's thread.
 */
final class EventBoundaries {
  // the line seen so far is empty (we are at the start of a line, right after a line end)
  private boolean lineStart = true;
  private boolean afterCr;
  // the current line starts with ':', an SSE comment
  private boolean comment;
  // the event so far has a line that is not a comment
  private boolean any;

  /** The events that end within {@code bytes[0, n)}. */
  int count(byte[] bytes, int n) {
    return count(bytes, 0, n);
  }

  /** The events that end within {@code bytes[offset, offset + n)}. */
  int count(byte[] bytes, int offset, int n) {
    int ends = 0;
    for (int i = offset, end = offset + n; i < end; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        if (afterCr) {
          // the \n of \r\n: the line end was counted at the \r
          afterCr = false;
          continue;
        }
        ends += lineEnd();
      } else if (b == '\r') {
        afterCr = true;
        ends += lineEnd();
      } else {
        afterCr = false;
        if (lineStart) {
          comment = b == ':';
          lineStart = false;
        }
        // a comment-only block (a keep-alive ": ping") is no event: it must not time a token
        any |= !comment;
      }
    }
    return ends;
  }

  /** A line ended: when it was empty and the event had content, the event ended. */
  private int lineEnd() {
    if (lineStart) {
      if (any) {
        any = false;
        return 1;
      }
      return 0;
    }
    lineStart = true;
    return 0;
  }
}
