package io.mscoordinator.series;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void shouldAcceptMetricNamesWithColonsButNoLeadingDigit() {
    assertThat(Names.isMetricName("job:requests_total:rate5m"), is(true));
    assertThat(Names.isMetricName("_x9"), is(true));
    assertThat(Names.isMetricName("9x"), is(false));
    assertThat(Names.isMetricName("a-b"), is(false));
    assertThat(Names.isMetricName(""), is(false));
  }

  @Test
  void shouldRefuseLabelNamesWithColonsOrTheReservedPrefix() {
    assertThat(Names.isLabelName("dp_idx"), is(true));
    assertThat(Names.isLabelName("a:b"), is(false));
    assertThat(Names.isLabelName("__name__"), is(false));
    assertThat(Names.isLabelName("1a"), is(false));
  }

  @Test
  void shouldSanitizeForeignNamesIntoValidOnes() {
    assertThat(Names.sanitizeMetricName("http.server.duration"), is("http_server_duration"));
    assertThat(Names.sanitizeMetricName("2xx"), is("_2xx"));
    assertThat(Names.sanitizeLabelName("service.name"), is("service_name"));
    assertThat(Names.sanitizeLabelName("9lives"), is("key_9lives"));
    assertThat(Names.sanitizeLabelName("__x"), is("key__x"));
    assertThat(Names.sanitizeLabelName(""), is("key_"));
    assertThat(Names.isMetricName(Names.sanitizeMetricName("é:x/y")), is(true));
    assertThat(Names.isLabelName(Names.sanitizeLabelName("a:b")), is(true));
  }
}
