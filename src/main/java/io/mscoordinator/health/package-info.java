/**
 * The probes: start-up, liveness and readiness, MindIE's and Triton's paths. Request threads of the
 * manage and status listeners call in; the package holds no state of its own beyond the start-up
 * flag, and asks the cluster and the registered liveness checks on every call.
 */
package io.mscoordinator.health;
