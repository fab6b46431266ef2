package io.mscoordinator.client;

/**
 * What kind of peer a destination is. The kind decides the client TLS a connection to it presents
 * and trusts, and how many idle connections are kept per destination.
 */
public enum DestinationKind {
  /**
   * The inference instances the controller registers: their {@code /metrics} today; forwarding,
   * {@code /dresult} and stopInfer next. TLS from {@code tls_config.mindie_client_tls_*}.
   */
  INSTANCE
}
