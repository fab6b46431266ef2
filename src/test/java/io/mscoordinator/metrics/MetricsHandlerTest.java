package io.mscoordinator.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

class MetricsHandlerTest {
  @Test
  void shouldAcceptGzipOnlyWhenAskedWithPositiveQ() {
    assertThat(MetricsHandler.acceptsGzip("gzip"), is(true));
    assertThat(MetricsHandler.acceptsGzip("deflate, gzip;q=0.5"), is(true));
    assertThat(MetricsHandler.acceptsGzip("gzip;q=0"), is(false));
    assertThat(MetricsHandler.acceptsGzip("identity"), is(false));
    assertThat(MetricsHandler.acceptsGzip(null), is(false));
  }
}
