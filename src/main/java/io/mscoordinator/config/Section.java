package io.mscoordinator.config;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * One JSON object of the configuration and its dotted path, with the one reader of every kind of
 * value the coordinator takes: exact integers, booleans, strings, string lists, durations, sizes,
 * ports, IP literals and files. Every reader names the full dotted key, its rule and the value
 * found in the {@link ConfigException} it throws, so a bad file stops start-up with one line.
 *
 * <p>Rules every reader keeps: a missing key takes the fallback (or is an error when there is
 * none); JSON {@code null} is a wrong type, not a missing key, except where a reader says so;
 * integers are read exactly ({@code 18446744073709551621} is out of range, never wrapped); numbers
 * MindIE writes as strings (ports) are strings here too.
 *
 * <p>Confined to the thread that loads the configuration.
 */
public final class Section {
  private static final String PORT_RULE = "port string in [\"1024\",\"65535\"]";
  private static final String IP_RULE = "IPv4 or IPv6 address literal";

  private final ConfigDocument document;
  private final JsonObject object;
  private final String path;

  Section(ConfigDocument document, JsonObject object, String path) {
    this.document = document;
    this.object = object;
    this.path = path;
  }

  /** A section of no document, for settings built from one JSON object (tests, tools). */
  public static Section of(JsonObject object, String path) {
    return new Section(new ConfigDocument(object, null), object, path);
  }

  /** {@link #of(JsonObject, String)} whose relative file names resolve against {@code baseDir}. */
  public static Section of(JsonObject object, String path, Path baseDir) {
    return new Section(new ConfigDocument(object, null, baseDir), object, path);
  }

  /** The dotted path of this section, empty for the root. */
  public String path() {
    return path;
  }

  /** The dotted path of {@code name} in this section. */
  public String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** The object itself. */
  public JsonObject json() {
    return object;
  }

  /** Whether {@code name} is present (with any value, {@code null} too). */
  public boolean has(String name) {
    return object.containsKey(name);
  }

  /** The raw value of {@code name}, or {@code null} when absent. */
  public JsonValue value(String name) {
    return object.get(name);
  }

  /** An error about {@code name} of this section. */
  public ConfigException fail(String name, String rule, Object value) {
    return new ConfigException(key(name), rule, value);
  }

  /** Records a warning to be logged once start-up logging is set up. */
  public void warn(String warning) {
    document.warn(warning);
  }

  /**
   * Applies the one rule for unknown keys to this section: every key not in {@code known} is
   * refused inside {@code tls_config} and {@code http_config} and warned about (once) elsewhere.
   * The value of an unknown key is never printed: a misspelt password key must not reach a log.
   */
  public Section keys(Collection<String> known) {
    for (String name : object.keySet()) {
      if (known.contains(name)) {
        continue;
      }
      String rule = "unknown key; known: " + String.join(", ", new TreeSet<>(known));
      if (ConfigDocument.strict(key(name))) {
        throw new ConfigException(key(name), rule, "(unknown key)");
      }
      document.warn("config warning: key=" + key(name) + " rule=" + rule + " (ignored)");
    }
    return this;
  }

  /** {@link #keys(Collection)} for a fixed list. */
  public Section keys(String... known) {
    return keys(List.of(known));
  }

  /**
   * Uses {@code alias}, an older or other name of {@code name}, when only it is set (with a warning
   * naming the preferred key); both set is an error.
   *
   * @return the name whose value to read
   */
  public String alias(String name, String alias) {
    if (!has(alias)) {
      return name;
    }
    if (has(name)) {
      throw fail(alias, "not together with " + key(name), "(set)");
    }
    warn("config warning: key=" + key(alias) + " rule=deprecated, use " + key(name));
    return alias;
  }

  /** The object {@code name}, or an empty section when absent. */
  public Section section(String name) {
    JsonValue value = object.get(name);
    if (value == null) {
      return new Section(document, JsonValue.EMPTY_JSON_OBJECT, key(name));
    }
    if (!(value instanceof JsonObject child)) {
      throw fail(name, "an object", value);
    }
    return new Section(document, child, key(name));
  }

  /** The object {@code name}; absent is an error. */
  public Section requiredSection(String name) {
    if (!has(name)) {
      throw fail(name, "required object", null);
    }
    return section(name);
  }

  /** {@code true} or {@code false}. */
  public boolean bool(String name, boolean fallback) {
    JsonValue value = object.get(name);
    if (value == null) {
      return fallback;
    }
    if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
      return value == JsonValue.TRUE;
    }
    throw fail(name, "true or false", value);
  }

  /** A string; {@code fallback == null} makes the key required. */
  public String string(String name, String fallback) {
    JsonValue value = object.get(name);
    if (value == null) {
      if (fallback == null) {
        throw fail(name, "required string", null);
      }
      return fallback;
    }
    if (!(value instanceof JsonString text)) {
      throw fail(name, "a string", value);
    }
    return text.getString();
  }

  /** A string that counts as absent when missing, {@code null} or empty (MindIE's TLS items). */
  public Optional<String> text(String name) {
    JsonValue value = object.get(name);
    if (value == null || value == JsonValue.NULL) {
      return Optional.empty();
    }
    if (!(value instanceof JsonString text)) {
      throw fail(name, "a string", value);
    }
    return text.getString().isEmpty() ? Optional.empty() : Optional.of(text.getString());
  }

  /** One of {@code allowed}, compared exactly. */
  public String oneOf(String name, String fallback, List<String> allowed) {
    String value = string(name, fallback);
    if (!allowed.contains(value)) {
      throw fail(name, "one of " + String.join(", ", allowed), value);
    }
    return value;
  }

  /** An array of non-empty strings. */
  public List<String> strings(String name, List<String> fallback) {
    JsonValue value = object.get(name);
    if (value == null) {
      return fallback;
    }
    String rule = "an array of non-empty strings";
    if (!(value instanceof JsonArray array)) {
      throw fail(name, rule, value);
    }
    List<String> out = new ArrayList<>(array.size());
    for (JsonValue element : array) {
      if (!(element instanceof JsonString text) || text.getString().isEmpty()) {
        throw fail(name, rule, value);
      }
      out.add(text.getString());
    }
    return List.copyOf(out);
  }

  /** An integer in {@code [min, max]}, read exactly. */
  public long integer(String name, long fallback, long min, long max) {
    JsonValue value = object.get(name);
    if (value == null) {
      return fallback;
    }
    return exact(value, name, min, max, "integer in [" + min + "," + max + "]");
  }

  /** {@link #integer} with a rule text of the caller's, e.g. {@code power of two in [...]}. */
  public long integer(String name, long fallback, long min, long max, String rule) {
    JsonValue value = object.get(name);
    if (value == null) {
      return fallback;
    }
    return exact(value, name, min, max, rule);
  }

  private long exact(JsonValue value, String name, long min, long max, String rule) {
    if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
      throw fail(name, rule, value);
    }
    long n;
    try {
      n = number.longValueExact();
    } catch (ArithmeticException e) {
      throw fail(name, rule, value);
    }
    if (n < min || n > max) {
      throw fail(name, rule, value);
    }
    return n;
  }

  /** A whole number of seconds in {@code [min, max]} (the key's name says the unit). */
  public Duration seconds(String name, long fallback, long min, long max) {
    return Duration.ofSeconds(integer(name, fallback, min, max));
  }

  /** A whole number of milliseconds in {@code [min, max]} (the key's name says the unit). */
  public Duration millis(String name, long fallback, long min, long max) {
    return Duration.ofMillis(integer(name, fallback, min, max));
  }

  /**
   * A size given in whole MB (MiB, as MindIE's {@code body_limit}), in {@code [min, max]} MB.
   *
   * @return the size in bytes
   */
  public long megabytes(String name, long fallback, long min, long max) {
    return integer(name, fallback, min, max, "integer MB in [" + min + "," + max + "]") << 20;
  }

  /** A port string in ["1024","65535"] (MindIE writes ports as strings); required. */
  public int port(String name) {
    return port(object.get(name), key(name));
  }

  /** A port, or empty when the key is absent, {@code null} or {@code ""} (MindIE's "off"). */
  public OptionalInt optionalPort(String name) {
    JsonValue value = object.get(name);
    if (value == null
        || value == JsonValue.NULL
        || (value instanceof JsonString text && text.getString().isEmpty())) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(port(value, key(name)));
  }

  /** A port with a default, e.g. {@code "4318"}. */
  public int port(String name, String fallback) {
    return port(object.getOrDefault(name, Json.createValue(fallback)), key(name));
  }

  /** A port value found elsewhere (a start argument) under the pseudo-key {@code key}. */
  public static int port(JsonValue value, String key) {
    if (!(value instanceof JsonString text)) {
      throw new ConfigException(key, PORT_RULE, value);
    }
    String s = text.getString();
    if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new ConfigException(key, PORT_RULE, value);
    }
    int port = Integer.parseInt(s);
    if (port < 1024 || port > 65535) {
      throw new ConfigException(key, PORT_RULE, value);
    }
    return port;
  }

  /**
   * An IP literal (no host names: nothing is resolved at start-up); a wildcard address only when
   * {@code wildcardAllowed}, and {@code why} then names the switch that allows it.
   */
  public String ip(String name, String fallback, boolean wildcardAllowed, String why) {
    JsonValue value = object.get(name);
    if (value == null && fallback != null) {
      value = Json.createValue(fallback);
    }
    return ip(value, key(name), wildcardAllowed, why);
  }

  /** An IP value found elsewhere (a start argument) under the pseudo-key {@code key}. */
  public static String ip(JsonValue value, String key, boolean wildcardAllowed, String why) {
    if (!(value instanceof JsonString text)) {
      throw new ConfigException(key, IP_RULE, value);
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(text.getString());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, IP_RULE, value);
    }
    if (address.isAnyLocalAddress() && !wildcardAllowed) {
      throw new ConfigException(key, "not a wildcard address unless " + why + " is true", value);
    }
    return text.getString();
  }

  /**
   * A file name, resolved against the config file's directory (the working directory for the
   * embedded config); absent or empty is {@code Optional.empty()}. Whether the file exists is for
   * the caller to check, with {@link #fail} naming this key.
   */
  public Optional<Path> file(String name) {
    Optional<String> text = text(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(document.baseDir().resolve(text.get()).toAbsolutePath().normalize());
    } catch (InvalidPathException e) {
      throw fail(name, "a file name", text.get());
    }
  }
}
