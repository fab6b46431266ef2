package io.mscoordinator.server;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} whose shutdown reset waits for the coordinator. The JDK resets logging from
 * its own shutdown hook, in parallel with the coordinator's, so the lines that say a stop went well
 * were lost; once {@link #holdResetUntilShutdown} is called, only {@link #resetAtShutdown} closes
 * the handlers.
 *
 * <p>Threadsafe: the hold flag is volatile. Installed by {@link Main} through the {@code
 * java.util.logging.manager} property before anything logs.
 */
public final class CoordinatorLogManager extends LogManager {
  private volatile boolean held;

  /** Called by the JDK when the property names this class. */
  public CoordinatorLogManager() {}

  @Override
  public void reset() {
    if (!held) {
      super.reset();
    }
  }

  void holdResetUntilShutdown() {
    held = true;
  }

  void resetAtShutdown() {
    super.reset();
  }

  /** The installed manager, or null when the JVM was started with another one. */
  static CoordinatorLogManager installed() {
    return LogManager.getLogManager() instanceof CoordinatorLogManager m ? m : null;
  }
}
