package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.MetricUnit;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExpositionWriterTest {
  private static String write(ExpositionFormat format, String help) {
    ExpositionWriter w = new ExpositionWriter();
    w.reset(format);
    w.gaugeFamily("g", MetricUnit.NONE, help);
    w.gauge("g", new byte[0], 1.5);
    w.finish();
    return new String(w.array(), 0, w.length(), StandardCharsets.UTF_8);
  }

  @Test
  void shouldEscapeBackslashAndNewlineInTextHelpButNotQuotes() {
    assertThat(
        write(ExpositionFormat.PROMETHEUS_TEXT, "a \\ b\nc \"d\" é"),
        is("# HELP g a \\\\ b\\nc \"d\" é\n# TYPE g gauge\ng 1.5\n"));
  }

  @Test
  void shouldEscapeQuotesTooInOpenMetricsHelpAndEndWithEof() {
    assertThat(
        write(ExpositionFormat.OPENMETRICS, "a \\ b\nc \"d\""),
        is("# HELP g a \\\\ b\\nc \\\"d\\\"\n# TYPE g gauge\ng 1.5\n# EOF\n"));
  }

  @Test
  void shouldWriteSpecialAndLargeDoublesAsParsersExpect() {
    ExpositionWriter w = new ExpositionWriter();
    w.reset(ExpositionFormat.PROMETHEUS_TEXT);
    byte[] none = new byte[0];
    for (double v :
        new double[] {
          Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, -0.0, 1e20, 1e-7, 0.1
        }) {
      w.gauge("g", none, v);
    }
    assertThat(
        new String(w.array(), 0, w.length(), StandardCharsets.UTF_8),
        is("g NaN\ng +Inf\ng -Inf\ng 0.0\ng 0.0\ng 1.0E20\ng 1.0E-7\ng 0.1\n"));
  }

  @Test
  void shouldReuseItsBufferAcrossRenders() {
    ExpositionWriter w = new ExpositionWriter();
    w.reset(ExpositionFormat.PROMETHEUS_TEXT);
    w.gauge("g", new byte[0], 1);
    byte[] first = w.array();
    w.reset(ExpositionFormat.OPENMETRICS);
    w.gauge("g", new byte[0], 2);
    assertThat(w.array() == first, is(true));
    assertThat(new String(w.array(), 0, w.length(), StandardCharsets.UTF_8), is("g 2.0\n"));
  }
}
