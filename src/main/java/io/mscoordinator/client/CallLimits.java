package io.mscoordinator.client;

import java.time.Duration;

/**
 * The bounds of one call. Every bound is counted from the call's start and none reaches past the
 * {@code deadline}: a connect is given {@code min(connect, time left)}, the response head {@code
 * min(headers, time left)}, each later read the time left.
 *
 * @param connect the TCP connect and TLS handshake, when the call needs a new connection
 * @param headers the response's status line and headers (time to first byte and head together)
 * @param deadline the whole exchange, body included
 * @param maxBodyBytes the largest response body, as sent and again after gunzip
 */
public record CallLimits(Duration connect, Duration headers, Duration deadline, int maxBodyBytes) {
  public CallLimits {
    if (connect.isNegative()
        || headers.isNegative()
        || deadline.isNegative()
        || deadline.isZero()
        || maxBodyBytes < 1) {
      throw new IllegalArgumentException(
          "bad call limits: connect="
              + connect
              + " headers="
              + headers
              + " deadline="
              + deadline
              + " max_body_bytes="
              + maxBodyBytes);
    }
  }

  /** One bound for connect, headers and the whole exchange, as a scrape has. */
  public static CallLimits of(Duration deadline, int maxBodyBytes) {
    return new CallLimits(deadline, deadline, deadline, maxBodyBytes);
  }
}
