package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScrapeSettingsTest {
  private static final String PREFIX = "prometheus_metrics_config";

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  private static String failingKey(String text) {
    return assertThrows(
            ConfigException.class, () -> ScrapeSettings.parse(Section.of(json(text), PREFIX)))
        .key();
  }

  @Test
  void shouldUseDefaultsWhenTheSectionIsEmpty() {
    ScrapeSettings s = ScrapeSettings.parse(Section.of(json("{}"), PREFIX));

    assertEquals(
        new ScrapeSettings(
            false,
            Duration.ofSeconds(5),
            Duration.ofSeconds(4),
            16 << 20,
            200_000,
            false,
            ScrapeSettings.BUILT_IN_RULES),
        s);
  }

  @Test
  void shouldTakeTheIntervalFromReuseTimeWhenIntervalIsAbsent() {
    assertEquals(
        Duration.ofSeconds(2),
        ScrapeSettings.parse(Section.of(json("{\"reuse_time\":2}"), PREFIX)).interval());
  }

  @Test
  void shouldRejectATimeoutNotShorterThanTheInterval() {
    assertEquals(
        PREFIX + ".scrape_timeout_ms",
        failingKey("{\"scrape_interval_ms\":1000,\"scrape_timeout_ms\":1000}"));
  }

  @Test
  void shouldWarnAboutAnUnknownKeyAndKeepTheDefault() {
    ConfigDocument document =
        new ConfigDocument(json("{\"" + PREFIX + "\":{\"scrape_intervall_ms\":1000}}"), null);

    ScrapeSettings s = ScrapeSettings.parse(document.section(PREFIX));

    assertEquals(Duration.ofSeconds(5), s.interval());
    assertEquals(1, document.warnings().size());
    assertTrue(document.warnings().get(0).contains("key=" + PREFIX + ".scrape_intervall_ms"));
  }

  @Test
  void shouldRefuseAReuseTimePastLongInsteadOfWrappingIt() {
    assertEquals(PREFIX + ".reuse_time", failingKey("{\"reuse_time\":18446744073709551621}"));
  }

  @Test
  void shouldReadTheBodyLimitInMbAndItsOlderByteFormWithAWarning() {
    assertEquals(
        4 << 20,
        ScrapeSettings.parse(Section.of(json("{\"body_limit\":4}"), PREFIX)).maxBodyBytes());
    ConfigDocument document =
        new ConfigDocument(json("{\"" + PREFIX + "\":{\"max_body_bytes\":4096}}"), null);
    assertEquals(4096, ScrapeSettings.parse(document.section(PREFIX)).maxBodyBytes());
    assertTrue(
        document.warnings().get(0).contains("rule=deprecated, use " + PREFIX + ".body_limit"));
    assertEquals(
        PREFIX + ".max_body_bytes", failingKey("{\"body_limit\":4,\"max_body_bytes\":4096}"));
  }

  @Test
  void shouldRejectAnUnknownModelNameMode() {
    assertEquals(PREFIX + ".model_name_mode", failingKey("{\"model_name_mode\":\"both\"}"));
  }

  @Test
  void shouldRejectAStrictThatIsNotABoolean() {
    assertEquals(PREFIX + ".strict", failingKey("{\"strict\":\"yes\"}"));
  }

  @Test
  void shouldRejectARecomputeRuleWithoutDenominator() {
    assertEquals(
        PREFIX + ".rules[0].denominator",
        failingKey("{\"rules\":[{\"family\":\"r\",\"rule\":\"recompute\",\"numerator\":\"a\"}]}"));
  }

  @Test
  void shouldRejectAnUnknownRule() {
    assertEquals(
        PREFIX + ".rules[0].rule",
        failingKey("{\"rules\":[{\"family\":\"r\",\"rule\":\"median\"}]}"));
  }

  @Test
  void shouldLetAnOperatorRuleReplaceABuiltInOne() {
    ScrapeSettings s =
        ScrapeSettings.parse(
            Section.of(
                json("{\"rules\":[{\"family\":\"npu_cache_usage_perc\",\"rule\":\"max\"}]}"),
                PREFIX));

    assertEquals(MergeRule.Kind.MAX, s.rules().get("npu_cache_usage_perc").kind());
    assertFalse(s.joinedModelNames());
  }
}
