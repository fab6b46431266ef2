package io.mscoordinator.scrape;

/**
 * One node's state of one series, kept by the node's parser from scrape to scrape: where the series
 * sits in the body being parsed, and its reset compensation. Reached from the parser's entry for
 * the sample's bytes, so neither the parser nor the compensator hashes the series again.
 *
 * <p>Confined to the node's scrape thread.
 */
final class SeriesCell {
  // where the series is in the body being parsed
  int epoch;
  ParsedFamily family;
  int index;
  long timestamp;

  // reset compensation (ResetCompensator): what the series read last, and what earlier runs of the
  // node had reached before it restarted
  boolean seen;
  double last;
  double offset;
}
