/**
 * Start-up: loading the configuration, assembling the capabilities in order ({@link
 * io.mscoordinator.server.Coordinator}) and the one place where routes are bound to listeners.
 *
 * <p>Threads: {@code main} loads the configuration and starts the listeners; the signal handler
 * thread stops them. Nothing here is touched by request threads after start-up.
 */
package io.mscoordinator.server;
