package io.mscoordinator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of {@code src/main/java}, read from the sources: every reference to another
 * package of the coordinator (an import or a qualified name) and to Helidon. No package cycles, and
 * the layering rules of ARCHITECTURE.md hold.
 */
class PackageDependenciesTest {
  private static final Path SOURCES = Path.of("src", "main", "java", "io", "mscoordinator");
  private static final Pattern OURS = Pattern.compile("\\bio\\.mscoordinator\\.([a-z]+)\\.");
  private static final Pattern HELIDON = Pattern.compile("\\bio\\.helidon\\.");

  /** package -> the coordinator's packages it uses. */
  private static final Map<String, Set<String>> USES = new TreeMap<>();

  /** package -> whether any of its files uses Helidon. */
  private static final Map<String, Boolean> HELIDON_USERS = new TreeMap<>();

  @BeforeAll
  static void read() throws IOException {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        String text = code(file);
        Set<String> used = USES.computeIfAbsent(pkg, p -> new TreeSet<>());
        Matcher m = OURS.matcher(text);
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            used.add(m.group(1));
          }
        }
        HELIDON_USERS.merge(pkg, HELIDON.matcher(text).find(), Boolean::logicalOr);
      }
    }
  }

  /** The file without its package line and comments (javadoc links are not dependencies). */
  private static String code(Path file) {
    try {
      String text = Files.readString(file);
      text = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
      return text.replaceFirst("package [^;]+;", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void shouldReadEveryPackage() {
    assertThat(
        USES.keySet().containsAll(List.of("config", "ingest", "server", "scrape", "exposition")),
        is(true));
  }

  /**
   * The rows of ARCHITECTURE.md's picture, bottom first: a package may import only from rows below
   * its own. A new package must be given its row here (and in ARCHITECTURE.md).
   */
  private static final List<List<String>> ROWS =
      List.of(
          List.of("series", "config", "client"),
          List.of("store", "tls"),
          List.of("exposition", "ingest"),
          List.of("capability"),
          List.of("cluster", "health", "metrics", "otlp"),
          List.of("scrape", "dataplane"),
          List.of("server"));

  @Test
  void shouldImportOnlyFromTheRowsBelowAsArchitectureMdDraws() {
    Map<String, Integer> row = new HashMap<>();
    for (int i = 0; i < ROWS.size(); i++) {
      for (String p : ROWS.get(i)) {
        row.put(p, i);
      }
    }
    for (Map.Entry<String, Set<String>> e : USES.entrySet()) {
      assertThat("package without a row: " + e.getKey(), row.containsKey(e.getKey()), is(true));
      for (String used : e.getValue()) {
        assertThat(
            e.getKey() + " imports " + used + ", which is not below it",
            row.get(used) < row.get(e.getKey()),
            is(true));
      }
    }
  }

  @Test
  void shouldHaveNoPackageCycle() {
    assertThat(cycles(), is(empty()));
  }

  @Test
  void shouldKeepTheLeavesLeaves() {
    assertThat("config uses", USES.get("config"), is(empty()));
    assertThat("capability uses", USES.get("capability"), is(Set.of("exposition")));
  }

  @Test
  void shouldKeepIngestFreeOfHttpAndExposition() {
    assertThat(HELIDON_USERS.get("ingest"), is(false));
    assertThat(USES.get("ingest").contains("exposition"), is(false));
    assertThat(HELIDON_USERS.get("exposition"), is(false));
    assertThat(HELIDON_USERS.get("store"), is(false));
    assertThat(HELIDON_USERS.get("client"), is(false));
  }

  @Test
  void shouldLetOnlyTheServerKnowEveryCapability() {
    for (Map.Entry<String, Set<String>> e : USES.entrySet()) {
      if (!e.getKey().equals("server") && !e.getKey().equals("perf")) {
        assertThat(e.getKey() + " uses server", e.getValue().contains("server"), is(false));
      }
    }
  }

  /** Every cycle of the package graph, as strongly connected components larger than one. */
  private static List<Set<String>> cycles() {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String p : USES.keySet()) {
      if (!index.containsKey(p)) {
        connect(p, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void connect(
      String p,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out,
      int[] counter) {
    index.put(p, counter[0]);
    low.put(p, counter[0]++);
    stack.push(p);
    onStack.add(p);
    for (String q : USES.getOrDefault(p, Set.of())) {
      if (!index.containsKey(q)) {
        connect(q, index, low, stack, onStack, out, counter);
        low.put(p, Math.min(low.get(p), low.get(q)));
      } else if (onStack.contains(q)) {
        low.put(p, Math.min(low.get(p), index.get(q)));
      }
    }
    if (low.get(p).equals(index.get(p))) {
      Set<String> component = new TreeSet<>();
      String q;
      do {
        q = stack.pop();
        onStack.remove(q);
        component.add(q);
      } while (!q.equals(p));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }
}
