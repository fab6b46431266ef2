/**
 * TLS material from the configuration: {@code tls_config}'s MindIE-style pairs ({@link
 * io.mscoordinator.tls.TlsConfig}), one {@code *_tls_items} object ({@link
 * io.mscoordinator.tls.TlsSettings}) and the PEM reader. Everything is loaded and checked at
 * start-up; the results are immutable and shared by any thread.
 */
package io.mscoordinator.tls;
