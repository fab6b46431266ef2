package io.mscoordinator.cluster;

/**
 * A request body that breaks a rule of the management API. The handler answers 400 with a JSON
 * error naming {@link #field()} and {@link #rule()}; nothing has been changed.
 */
final class InvalidRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  InvalidRequestException(String field, String rule) {
    super("invalid request: field=" + field + " rule=" + rule);
    this.field = field;
    this.rule = rule;
  }

  String field() {
    return field;
  }

  String rule() {
    return rule;
  }
}
