package io.mscoordinator.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The catalog against the table rows of the Ksana document itself. */
class KsanaCatalogTest {
  private static final Path DOC = TestData.KSANA_METRICS_DOC;
  private static final Pattern ROW =
      Pattern.compile("^\\|\\s*`([a-z0-9_{}]+)`\\s*\\|\\s*(Counter|Metric)\\s*\\|");

  private static Map<String, MetricKind> documented() throws Exception {
    Map<String, MetricKind> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        rows.put(
            m.group(1), m.group(2).equals("Counter") ? MetricKind.COUNTER : MetricKind.HISTOGRAM);
      }
    }
    return rows;
  }

  @Test
  void shouldKnowEveryDocumentedNameWithItsKind() throws Exception {
    Map<String, MetricKind> rows = documented();
    assertThat(rows.size() > 40, is(true));
    for (Map.Entry<String, MetricKind> row : rows.entrySet()) {
      String name = row.getKey().replace("_{dp_idx}", "");
      KsanaCatalog.Entry entry = KsanaCatalog.lookup(name);
      assertThat(name, entry == null, is(false));
      assertThat(name, entry.kind(), is(row.getValue()));
      assertThat(name, entry.help().isBlank(), is(false));
    }
  }

  @Test
  void shouldHoldNothingTheDocumentDoesNotName() throws Exception {
    Map<String, MetricKind> rows = documented();
    for (String name : KsanaCatalog.entries().keySet()) {
      assertThat(name, rows.containsKey(name), is(true));
    }
  }

  @Test
  void shouldGiveMicrosecondsToEveryUsName() {
    KsanaCatalog.entries()
        .forEach(
            (name, e) ->
                assertThat(name, e.unit() == MetricUnit.MICROSECONDS, is(name.endsWith("_us"))));
  }

  @Test
  void shouldRecogniseOnlyDigitSuffixesOfTheTwoSchedulerFamiliesAsDataParallel() {
    assertThat(KsanaCatalog.dataParallelBase("batch_scheduler_batch_size_12"), is(26));
    assertThat(KsanaCatalog.dataParallelBase("batch_scheduler_waiting_size_0"), is(28));
    assertThat(KsanaCatalog.dataParallelBase("batch_scheduler_batch_size"), is(-1));
    assertThat(KsanaCatalog.dataParallelBase("batch_scheduler_batch_size_x"), is(-1));
    assertThat(KsanaCatalog.dataParallelBase("batch_scheduler_swapped_size_1"), is(-1));
  }
}
