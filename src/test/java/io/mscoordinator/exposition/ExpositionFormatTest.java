package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

class ExpositionFormatTest {
  @Test
  void shouldChooseOpenMetricsForThePrometheus2AcceptHeader() {
    String accept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
            + "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    assertThat(ExpositionFormat.negotiate(accept), is(ExpositionFormat.OPENMETRICS));
  }

  @Test
  void shouldChooseTextWhenPrometheusPrefersIt() {
    String accept =
        "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";
    assertThat(ExpositionFormat.negotiate(accept), is(ExpositionFormat.PROMETHEUS_TEXT));
  }

  @Test
  void shouldChooseTextWhenAcceptIsMissingOrGeneric() {
    assertThat(ExpositionFormat.negotiate(null), is(ExpositionFormat.PROMETHEUS_TEXT));
    assertThat(ExpositionFormat.negotiate("*/*"), is(ExpositionFormat.PROMETHEUS_TEXT));
    assertThat(ExpositionFormat.negotiate("text/plain"), is(ExpositionFormat.PROMETHEUS_TEXT));
  }

  @Test
  void shouldChooseTextWhenOpenMetricsIsRefusedOrOfAnUnknownVersion() {
    assertThat(
        ExpositionFormat.negotiate("application/openmetrics-text;q=0"),
        is(ExpositionFormat.PROMETHEUS_TEXT));
    assertThat(
        ExpositionFormat.negotiate("application/openmetrics-text;version=2.0.0"),
        is(ExpositionFormat.PROMETHEUS_TEXT));
  }
}
