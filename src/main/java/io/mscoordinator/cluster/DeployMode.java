package io.mscoordinator.cluster;

/**
 * MindIE's {@code digs_scheduler_config.deploy_mode}. It decides what makes the cluster usable: the
 * prefill/decode modes need one online prefill and one online decode instance, the others any
 * online instance.
 */
public enum DeployMode {
  SINGLE_NODE("single_node", false),
  PD_SEPARATE("pd_separate", true),
  PD_DISAGGREGATION("pd_disaggregation", true),
  PD_DISAGGREGATION_SINGLE_CONTAINER("pd_disaggregation_single_container", true);

  private final String key;
  private final boolean prefillDecode;

  DeployMode(String key, boolean prefillDecode) {
    this.key = key;
    this.prefillDecode = prefillDecode;
  }

  /** The value as written in the config file. */
  public String key() {
    return key;
  }

  /** Whether the mode separates prefill and decode instances. */
  public boolean prefillDecode() {
    return prefillDecode;
  }

  /** The mode for a config value, or {@code null} when the value names none. */
  public static DeployMode ofKey(String key) {
    for (DeployMode mode : values()) {
      if (mode.key.equals(key)) {
        return mode;
      }
    }
    return null;
  }
}
