package io.mscoordinator.cluster;

import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.config.Section;

/**
 * How the controller's cluster is run: {@code digs_scheduler_config.deploy_mode} and {@code
 * backup_config.function_enable}.
 *
 * @param deployMode which instances make the cluster usable
 * @param backupEnabled master/standby is on: start as standby, {@code /backup_info} decides
 */
public record ClusterSettings(DeployMode deployMode, boolean backupEnabled) {
  /** Reads both keys of {@code config}. */
  public static ClusterSettings parse(ConfigDocument config) {
    Section scheduler = config.section("digs_scheduler_config");
    String modeText = scheduler.string("deploy_mode", "single_node");
    DeployMode mode = DeployMode.ofKey(modeText);
    if (mode == null) {
      throw scheduler.fail(
          "deploy_mode",
          "one of single_node, pd_separate, pd_disaggregation,"
              + " pd_disaggregation_single_container",
          modeText);
    }
    Section backup = config.section("backup_config");
    return new ClusterSettings(mode, backup.bool("function_enable", false));
  }
}
