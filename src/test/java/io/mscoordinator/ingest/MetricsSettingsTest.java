package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {
  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  private static ConfigException bad(String text) {
    return assertThrows(
        ConfigException.class,
        () -> MetricsSettings.parse(Section.of(json(text), "metrics_config")));
  }

  @Test
  void shouldUseTheDefaultsForAnEmptySection() {
    MetricsSettings s = MetricsSettings.parse(Section.of(json("{}"), "metrics_config"));
    assertThat(s.ringFile(), is(Path.of("run/ms_coordinator_metrics.ring")));
    assertThat(s.ringCapacityBytes(), is(64 << 20));
    assertThat(s.inProcessRingCapacityBytes(), is(8 << 20));
    assertThat(s.seriesLimit(), is(10_000));
    assertThat(s.histogramBuckets().isEmpty(), is(true));
  }

  @Test
  void shouldReadEveryKey() {
    MetricsSettings s =
        MetricsSettings.parse(
            Section.of(
                json(
                    "{\"ring_file\":\"\",\"ring_capacity_bytes\":65536,"
                        + "\"in_process_ring_capacity_bytes\":131072,\"series_limit\":3,"
                        + "\"histogram_buckets\":{\"time_to_first_token_us\":[1000,2000.5]}}"),
                "metrics_config"));
    assertThat(s.ringFile(), is(nullValue()));
    assertThat(s.ringCapacityBytes(), is(65536));
    assertThat(s.inProcessRingCapacityBytes(), is(131072));
    assertThat(s.seriesLimit(), is(3));
    assertThat(s.histogramBuckets().get("time_to_first_token_us"), is(new double[] {1000, 2000.5}));
  }

  @Test
  void shouldNameTheKeyAndRuleOfABadValue() {
    ConfigException e = bad("{\"ring_capacity_bytes\":100000}");
    assertThat(e.key(), is("metrics_config.ring_capacity_bytes"));
    assertThat(e.getMessage(), containsString("power of two"));
    assertThat(
        bad("{\"ring_capacity_bytes\":1024}").key(), is("metrics_config.ring_capacity_bytes"));
    assertThat(bad("{\"series_limit\":0}").key(), is("metrics_config.series_limit"));
    assertThat(bad("{\"series_limit\":\"10\"}").key(), is("metrics_config.series_limit"));
    assertThat(bad("{\"ring_file\":5}").key(), is("metrics_config.ring_file"));
    assertThat(
        bad("{\"histogram_buckets\":{\"x\":[2,1]}}").key(),
        is("metrics_config.histogram_buckets.x"));
    assertThat(
        bad("{\"histogram_buckets\":{\"x\":[]}}").key(), is("metrics_config.histogram_buckets.x"));
    assertThat(
        bad("{\"histogram_buckets\":{\"x\":[-1]}}").key(),
        is("metrics_config.histogram_buckets.x"));
  }

  @Test
  void shouldWarnAboutAnUnknownKeyInsteadOfRefusingIt() {
    ConfigDocument document =
        new ConfigDocument(json("{\"metrics_config\":{\"series_limt\":5}}"), null);

    MetricsSettings s = MetricsSettings.parse(document.section("metrics_config"));

    assertThat(s.seriesLimit(), is(10_000));
    assertThat(document.warnings().size(), is(1));
    assertThat(document.warnings().get(0), containsString("key=metrics_config.series_limt"));
  }
}
