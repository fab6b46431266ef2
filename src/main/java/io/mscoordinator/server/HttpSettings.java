package io.mscoordinator.server;

import io.mscoordinator.capability.ListenerLimits;
import io.mscoordinator.capability.ListenerSettings;
import java.util.Optional;

/**
 * The listeners every coordinator has ({@code http_config}) and their limits ({@code
 * request_limit}).
 *
 * @param manage the listener that serves every endpoint
 * @param status an extra listener for the probes, when {@code http_config.status_port} is set
 * @param external an extra listener for {@code /metrics}, when {@code external_port} is set
 * @param predictIp the inference data plane address (validated; the data plane is not built yet)
 * @param predictPort its port
 * @param wildcardAllowed {@code allow_all_zero_ip_listening}: listeners may bind a wildcard address
 * @param limits connection, request and body limits of the manage, status and external listeners
 */
public record HttpSettings(
    ListenerSettings manage,
    Optional<ListenerSettings> status,
    Optional<ListenerSettings> external,
    String predictIp,
    int predictPort,
    boolean wildcardAllowed,
    ListenerLimits limits) {

  /** {@code request_limit.body_limit}, in bytes. */
  public long bodyLimitBytes() {
    return limits.maxPayloadBytes();
  }
}
