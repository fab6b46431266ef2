package io.mscoordinator.capability;

import java.time.Duration;

/**
 * The limits of one listener: past {@code maxConcurrentRequests} a request is answered 503 at once;
 * past {@code maxConnections} a new connection waits in the kernel's accept queue; an idle
 * connection is closed after {@code idleTimeout}; a body past {@code maxPayloadBytes} gets 413.
 * Each listener has its own, so long streams on one never share another's limits.
 */
public record ListenerLimits(
    int maxConcurrentRequests, int maxConnections, Duration idleTimeout, long maxPayloadBytes) {}
