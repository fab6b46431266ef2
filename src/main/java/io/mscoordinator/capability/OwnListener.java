package io.mscoordinator.capability;

import io.helidon.http.DirectHandler;
import io.helidon.webserver.ListenerConfig;
import java.util.function.Consumer;

/**
 * A listener only one capability serves: where it binds, its limits, its routes, and the answer to
 * a body Helidon refuses from its {@code Content-Length} before routing (so that a 413 carries the
 * same reason the routes give).
 *
 * @param tooLarge answers Helidon's 413 for a declared length past {@code limits.maxPayloadBytes()}
 * @param routes binds the listener's routes
 * @param socket further Helidon settings of the listener (e.g. its content encodings); may do
 *     nothing
 */
public record OwnListener(
    ListenerSettings settings,
    ListenerLimits limits,
    DirectHandler tooLarge,
    Consumer<Routes> routes,
    Consumer<ListenerConfig.Builder> socket) {}
