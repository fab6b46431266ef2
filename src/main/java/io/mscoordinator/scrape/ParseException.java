package io.mscoordinator.scrape;

/** A body that breaks the exposition format; the message names the line and the rule broken. */
final class ParseException extends Exception {
  private static final long serialVersionUID = 1L;

  ParseException(String message) {
    super(message);
  }
}
