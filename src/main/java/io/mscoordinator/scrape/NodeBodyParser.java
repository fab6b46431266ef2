package io.mscoordinator.scrape;

import java.util.List;

/**
 * A strict parser of one exposition format, reading a scraped node's {@code /metrics} body from
 * bytes into its families.
 *
 * <p>One per node and format ({@link TextParser} holds a node's), confined to the node's scrape
 * thread, and reused scrape after scrape: it keeps intern tables from body to body, so that a
 * sample line whose name and labels are byte for byte those of the last body costs one compare and
 * builds no String. The reuse is invisible in the results: whatever bodies came before, a body
 * parses exactly as a fresh parser parses it (the same families, series and values, or the same
 * error).
 *
 * <p>Each sample carries its series' {@link SeriesCell} in {@link ParsedFamily#cells}, the node's
 * reset compensation state, for {@link ResetCompensator}. A family's arrays are sized as the family
 * was in the node's last body.
 */
interface NodeBodyParser {
  /**
   * Parses {@code body[0..length)}.
   *
   * <p>The body is not kept: the caller may overwrite it once this returns. The families and their
   * series are the caller's; later parses do not change them.
   *
   * @return the body's families in body order, each with at least one sample
   * @throws ParseException when the body breaks the format, or has more series than the parser's
   *     limit; the message names the rule broken and, when one line broke it, the line ({@code
   *     parse error: line=N reason=...})
   */
  List<ParsedFamily> parse(byte[] body, int length) throws ParseException;
}
