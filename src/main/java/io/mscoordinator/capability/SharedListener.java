package io.mscoordinator.capability;

/** The listeners every coordinator has, and what each serves (MindIE's split of them). */
public enum SharedListener {
  /** {@code manage_ip:manage_port}: every endpoint of the management API. */
  MANAGE,
  /** {@code status_port}, when set: the probes. */
  STATUS,
  /** {@code external_port}, when set: {@code /metrics} and its views. */
  EXTERNAL
}
