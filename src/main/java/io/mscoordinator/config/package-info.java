/**
 * The configuration file and how every value in it is read: {@link
 * io.mscoordinator.config.ConfigDocument} (the parsed {@code ms_coordinator.json}, its warnings,
 * the one rule for unknown keys), {@link io.mscoordinator.config.Section} (one reader per kind of
 * value: exact integers, durations, sizes, ports, IPs, files) and {@link
 * io.mscoordinator.config.ConfigException}, the one-line error that stops start-up.
 *
 * <p>A leaf: it imports nothing of the coordinator. Threads: only the thread that loads the
 * configuration; the settings records built from it are immutable.
 */
package io.mscoordinator.config;
