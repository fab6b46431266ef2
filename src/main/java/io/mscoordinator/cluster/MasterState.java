package io.mscoordinator.cluster;

/**
 * Master/standby state as the controller last set it through {@code /backup_info}.
 *
 * <p>Threadsafe: one immutable value published through a volatile field. When master/standby is off
 * the coordinator is always master.
 */
public final class MasterState {
  private record State(boolean master, boolean abnormal) {}

  private final boolean enabled;
  private volatile State state;

  /**
   * @param enabled whether master/standby is on ({@code backup_config.function_enable}); when on
   *     the coordinator starts as standby until the controller says otherwise
   */
  public MasterState(boolean enabled) {
    this.enabled = enabled;
    this.state = new State(!enabled, false);
  }

  public boolean enabled() {
    return enabled;
  }

  public boolean master() {
    return state.master();
  }

  /** Whether the controller saw both coordinators receive requests. */
  public boolean abnormal() {
    return state.abnormal();
  }

  void update(boolean master, boolean abnormal) {
    state = new State(!enabled || master, abnormal);
  }
}
