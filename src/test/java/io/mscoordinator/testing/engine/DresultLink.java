package io.mscoordinator.testing.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One {@code GET /dresult} link a decode engine served, as far as it went: immutable, shared with
 * any test thread.
 *
 * @param number the link's number on this engine, from 0, in the order they opened
 * @param connection the connection it was served on
 * @param messages every message written on it, one HTTP chunk each, in order ({@code ka}, {@code
 *     close} and the requests' messages alike); empty while recording is off
 * @param end how it ended, {@link End#OPEN} while it is served
 */
public record DresultLink(long number, long connection, List<byte[]> messages, End end) {

  /** How a link ended. */
  public enum End {
    /** Still served. */
    OPEN,
    /** A newer link took over: {@code close:new link} and the final chunk were written. */
    EVICTED,
    /** {@link Fault#DECODE_DROP_LINK} closed the connection, no final chunk. */
    DROPPED,
    /** The coordinator went, or the engine closed. */
    CLOSED
  }

  /** The messages as text ({@code \0} kept). */
  public List<String> texts() {
    return messages.stream().map(m -> new String(m, StandardCharsets.UTF_8)).toList();
  }

  /** The messages of request {@code reqId}, in order, as text. */
  public List<String> textsOf(String reqId) {
    String prefix = "reqId:" + reqId + "\0";
    return texts().stream().filter(t -> t.startsWith(prefix)).toList();
  }

  @Override
  public String toString() {
    return "DresultLink[number="
        + number
        + " connection="
        + connection
        + " messages="
        + messages.size()
        + " end="
        + end
        + "]";
  }
}
