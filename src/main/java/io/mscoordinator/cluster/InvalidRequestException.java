package io.mscoordinator.cluster;

/**
 * A request body that breaks a rule of the management API (or, for the data plane, of JSON itself).
 * The handler answers 400 naming {@link #field()} and {@link #rule()}; nothing has been changed.
 */
public final class InvalidRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  InvalidRequestException(String field, String rule) {
    super("invalid request: field=" + field + " rule=" + rule);
    this.field = field;
    this.rule = rule;
  }

  public String field() {
    return field;
  }

  public String rule() {
    return rule;
  }
}
