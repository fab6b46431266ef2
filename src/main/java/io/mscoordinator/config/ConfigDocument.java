package io.mscoordinator.config;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One parsed {@code ms_coordinator.json}: its root object, where it came from, and the warnings
 * reading it gave. Every capability reads its settings from a {@link Section} of it.
 *
 * <p>The rule for keys nobody reads is applied here, once, for every section (see {@link
 * Section#keys}): inside {@code tls_config} and {@code http_config} an unknown key stops start-up
 * (a misspelt security or listener key must never be silently dropped); elsewhere it is a warning,
 * given once per key, because MindIE's file carries keys for features this coordinator does not
 * have.
 *
 * <p>Confined to the thread that loads the configuration.
 */
public final class ConfigDocument {
  /** Top-level sections inside which an unknown key is refused rather than warned about. */
  private static final Set<String> STRICT_SECTIONS = Set.of("tls_config", "http_config");

  private final JsonObject root;
  private final Path source;
  private final Path baseDir;
  private final Set<String> warnings = new LinkedHashSet<>();

  /**
   * @param root the whole file
   * @param source the file it came from, or {@code null} for the copy embedded in the jar
   */
  public ConfigDocument(JsonObject root, Path source) {
    this(root, source, baseDirOf(source));
  }

  ConfigDocument(JsonObject root, Path source, Path baseDir) {
    this.root = root;
    this.source = source;
    this.baseDir = baseDir;
  }

  private static Path baseDirOf(Path source) {
    Path parent = source == null ? null : source.toAbsolutePath().getParent();
    return parent == null ? Path.of("").toAbsolutePath() : parent;
  }

  /** Reads and parses a config file: well-formed JSON, an object at the top, no duplicate keys. */
  public static ConfigDocument read(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return new ConfigDocument(parse(in, path.toString()), path);
    } catch (IOException e) {
      throw new ConfigException(path.toString(), "readable config file", e.getMessage());
    }
  }

  /** Parses a config from a stream; {@code name} names it in errors. */
  public static JsonObject parse(InputStream in, String name) {
    try (JsonReader reader =
        Json.createReaderFactory(Map.of("org.eclipse.parsson.rejectDuplicateKeys", true))
            .createReader(in)) {
      JsonValue value = reader.readValue();
      if (!(value instanceof JsonObject object)) {
        throw new ConfigException(name, "a JSON object", value.getValueType());
      }
      return object;
    } catch (JsonException | IllegalStateException e) {
      throw new ConfigException(name, "well-formed JSON", e.getMessage());
    }
  }

  /** The whole file as one section with an empty path. */
  public Section root() {
    return new Section(this, root, "");
  }

  /** The top-level section {@code name}, empty when the file has none. */
  public Section section(String name) {
    return root().section(name);
  }

  /** The parsed file. */
  public JsonObject json() {
    return root;
  }

  /** The file this came from, or {@code null} for the embedded default. */
  public Path source() {
    return source;
  }

  /** The directory relative file names resolve against: the config file's, else the working one. */
  Path baseDir() {
    return baseDir;
  }

  /** What reading gave reason to warn about, once each, in the order found. */
  public List<String> warnings() {
    return new ArrayList<>(warnings);
  }

  /** Records a warning; a second identical one is dropped. */
  void warn(String warning) {
    warnings.add(warning);
  }

  /**
   * Whether an unknown key at the dotted {@code path} is refused (else warned about): inside {@code
   * tls_config} and {@code http_config}, and inside any {@code tls_items} object wherever it stands
   * (a TLS setting is never dropped silently).
   */
  static boolean strict(String path) {
    String[] parts = path.split("\\.");
    if (STRICT_SECTIONS.contains(parts[0])) {
      return true;
    }
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].equals("tls_items") || parts[i].endsWith("_tls_items")) {
        return true;
      }
    }
    return false;
  }
}
