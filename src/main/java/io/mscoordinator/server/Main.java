package io.mscoordinator.server;

import io.mscoordinator.config.ConfigException;
import java.util.logging.Logger;

/**
 * Starts the coordinator: {@code java -jar ms-coordinator.jar [predict_ip predict_port manage_ip
 * manage_port]}. A bad configuration prints one line and exits 2; a listener that cannot bind exits
 * 1; SIGTERM or SIGINT closes the listeners and exits 0.
 */
public final class Main {
  static final int EXIT_CONFIG = 2;
  static final int EXIT_START = 1;

  static {
    // Before anything logs: see CoordinatorLogManager for why.
    System.setProperty("java.util.logging.manager", CoordinatorLogManager.class.getName());
  }

  private Main() {}

  public static void main(String[] args) {
    CoordinatorConfig config;
    try {
      config = ConfigLoader.load(System.getenv(), args);
      LogSetup.apply(config.log());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    Logger log = Logger.getLogger(Main.class.getName());
    log.info(
        "config: source="
            + (config.source() == null ? "embedded default" : config.source())
            + " deploy_mode="
            + config.cluster().deployMode().key());
    for (String warning : config.document().warnings()) {
      log.warning(warning);
    }
    Coordinator coordinator;
    try {
      coordinator = Coordinator.start(config);
    } catch (IllegalStateException e) {
      System.err.println("start failed: " + e.getMessage());
      System.exit(EXIT_START);
      return;
    }
    CoordinatorLogManager logManager = CoordinatorLogManager.installed();
    if (logManager != null) {
      logManager.holdResetUntilShutdown();
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping: shutdown requested");
                  coordinator.close();
                  log.info("stopped");
                  if (logManager != null) {
                    logManager.resetAtShutdown();
                  }
                  // SIGTERM would otherwise end the JVM with 143; a clean stop is exit 0, and
                  // nothing after start-up calls System.exit with another code.
                  Runtime.getRuntime().halt(0);
                },
                "coordinator-shutdown"));
  }
}
