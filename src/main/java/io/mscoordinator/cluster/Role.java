package io.mscoordinator.cluster;

/** The role of an inference instance, with the wire code the controller sends. */
public enum Role {
  PREFILL(80, "prefill"),
  DECODE(68, "decode"),
  UNDEF(85, "undef");

  private final int code;
  private final String label;

  Role(int code, String label) {
    this.code = code;
    this.label = label;
  }

  /** The controller's code: 80, 68 or 85. */
  public int code() {
    return code;
  }

  /** The name used in metric labels: prefill, decode, undef. */
  public String label() {
    return label;
  }

  static Role ofCode(long code) {
    for (Role role : values()) {
      if (role.code == code) {
        return role;
      }
    }
    throw new IllegalArgumentException("unknown role code: " + code);
  }
}
