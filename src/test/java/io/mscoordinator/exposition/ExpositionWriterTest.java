package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.series.CanonicalNumbers;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ExpositionWriterTest {
  private static final byte[] NONE = new byte[0];

  private static String body(ExpositionWriter w) {
    return new String(w.array(), 0, w.length(), StandardCharsets.UTF_8);
  }

  private static String text(Consumer<ExpositionWriter> write) {
    ExpositionWriter w = new PrometheusTextWriter();
    write.accept(w);
    w.finish();
    return body(w);
  }

  private static String openMetrics(Consumer<ExpositionWriter> write) {
    ExpositionWriter w = new OpenMetricsTextWriter();
    write.accept(w);
    w.finish();
    return body(w);
  }

  @Test
  void shouldEscapeBackslashAndNewlineInTextHelpButNotQuotes() {
    assertThat(
        text(w -> w.gaugeFamily("g", "a \\ b\nc \"d\" é")),
        is("# HELP g a \\\\ b\\nc \"d\" é\n# TYPE g gauge\n"));
  }

  @Test
  void shouldEscapeQuotesTooInOpenMetricsHelpAndEndWithEof() {
    assertThat(
        openMetrics(w -> w.gaugeFamily("g", "a \\ b\nc \"d\"")),
        is("# HELP g a \\\\ b\\nc \\\"d\\\"\n# TYPE g gauge\n# EOF\n"));
  }

  @Test
  void shouldWriteIntegralValuesAsDigitsAndOthersAsShortestDecimals() {
    double[] values = {
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      0,
      -0.0,
      5,
      -3,
      123456789012.0,
      1e15,
      1e20,
      1e-7,
      0.1,
      0.15000000000000002
    };
    String expected =
        "g NaN\ng +Inf\ng -Inf\ng 0\ng 0\ng 5\ng -3\ng 123456789012\ng 1.0E15\ng 1.0E20\n"
            + "g 1.0E-7\ng 0.1\ng 0.15000000000000002\n";
    Consumer<ExpositionWriter> gauges =
        w -> {
          for (double v : values) {
            w.gauge("g", NONE, v);
          }
        };
    Consumer<ExpositionWriter> samples =
        w -> {
          for (double v : values) {
            w.startSample("g");
            w.endSample(v);
          }
        };
    assertThat(text(gauges), is(expected));
    assertThat(openMetrics(gauges), is(expected + "# EOF\n"));
    assertThat(text(samples), is(expected));
  }

  @Test
  void shouldWriteLeAndQuantileValuesAsCanonicalNumbersInBothFormats() {
    double[] bounds = {0.005, 1, 100000, 1e6, 2.5e6, 1e-5};
    long[] counts = {1, 2, 3, 4, 5, 6};
    Consumer<ExpositionWriter> write =
        w -> {
          w.histogram("h", NONE, bounds, counts, 7, 1.5);
          w.quantile("q", NONE, 0.999, 2);
          w.quantile("q", NONE, 1, 3);
        };
    String lines =
        "h_bucket{le=\"0.005\"} 1\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"100000.0\"} 3\n"
            + "h_bucket{le=\"1e+06\"} 4\nh_bucket{le=\"2.5e+06\"} 5\nh_bucket{le=\"1e-05\"} 6\n"
            + "h_bucket{le=\"+Inf\"} 7\nh_sum 1.5\nh_count 7\n"
            + "q{quantile=\"0.999\"} 2\nq{quantile=\"1.0\"} 3\n";
    assertThat(text(write), is(lines));
    assertThat(openMetrics(write), is(lines + "# EOF\n"));
  }

  @Test
  void shouldWriteEveryBoundAsCanonicalNumbersFormatsIt() {
    Random random = new Random(18);
    double[] bounds = new double[2000];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] =
          switch (i % 4) {
            case 0 -> random.nextInt(2_000_000) - 1_000_000;
            case 1 -> random.nextInt(100_000) / 1000.0;
            case 2 -> Math.scalb(random.nextDouble(), random.nextInt(80) - 40);
            default -> Double.longBitsToDouble(random.nextLong());
          };
    }
    ExpositionWriter w = new PrometheusTextWriter();
    w.histogram("h", NONE, bounds, new long[bounds.length], 0, 0);
    String[] lines = body(w).split("\n");
    for (int i = 0; i < bounds.length; i++) {
      String le = lines[i].substring("h_bucket{le=\"".length(), lines[i].indexOf("\"}"));
      assertThat(Double.toString(bounds[i]), le, is(CanonicalNumbers.format(bounds[i])));
    }
  }

  @Test
  void shouldNameACounterAfterItsSamplesOnlyInTheTextFormat() {
    Consumer<ExpositionWriter> write =
        w -> {
          w.counterFamily("busy_seconds", "seconds", "Busy time.");
          w.counter("busy_seconds", NONE, 3);
        };
    assertThat(
        text(write),
        is(
            "# HELP busy_seconds_total Busy time.\n# TYPE busy_seconds_total counter\n"
                + "busy_seconds_total 3\n"));
    assertThat(
        openMetrics(write),
        is(
            "# HELP busy_seconds Busy time.\n# TYPE busy_seconds counter\n"
                + "# UNIT busy_seconds seconds\nbusy_seconds_total 3\n# EOF\n"));
  }

  @Test
  void shouldFallBackForTheTypesTheTextFormatLacks() {
    Consumer<ExpositionWriter> write =
        w -> {
          w.family(MetricType.UNKNOWN, "u", null, null);
          w.family(MetricType.INFO, "build", null, "Build.");
          w.startSample("build_info");
          w.label("version", "1.2");
          w.endSample(1);
          w.family(MetricType.STATESET, "mode", null, null);
          w.family(MetricType.GAUGE_HISTOGRAM, "queue", null, null);
          w.startSample("queue_bucket");
          w.label("le", "+Inf");
          w.endSample(2);
          w.startSample("queue_gcount");
          w.endSample(2);
        };
    assertThat(
        text(write),
        is(
            "# TYPE u untyped\n# HELP build_info Build.\n# TYPE build_info gauge\n"
                + "build_info{version=\"1.2\"} 1\n# TYPE mode gauge\n"));
    assertThat(
        openMetrics(write),
        is(
            "# TYPE u unknown\n# HELP build Build.\n# TYPE build info\n"
                + "build_info{version=\"1.2\"} 1\n# TYPE mode stateset\n"
                + "# TYPE queue gaugehistogram\nqueue_bucket{le=\"+Inf\"} 2\nqueue_gcount 2\n"
                + "# EOF\n"));
  }

  @Test
  void shouldReportWhetherTheFormatCarriesAFamily() {
    assertThat(
        new PrometheusTextWriter().family(MetricType.GAUGE_HISTOGRAM, "q", null, null), is(false));
    assertThat(
        new OpenMetricsTextWriter().family(MetricType.GAUGE_HISTOGRAM, "q", null, null), is(true));
  }

  @Test
  void shouldWriteACounterWithoutTotalAsUnknownInOpenMetrics() {
    Consumer<ExpositionWriter> write =
        w -> {
          w.counterFamilyWithoutTotal("tgi_request_count", null, null);
          w.startSample("tgi_request_count");
          w.endSample(7);
        };
    assertThat(text(write), is("# TYPE tgi_request_count counter\ntgi_request_count 7\n"));
    assertThat(
        openMetrics(write), is("# TYPE tgi_request_count unknown\ntgi_request_count 7\n# EOF\n"));
  }

  @Test
  void shouldDropAHistogramCountWithoutItsSumOnlyInOpenMetrics() {
    Consumer<ExpositionWriter> write =
        w -> {
          w.histogramFamily("h", null, null);
          for (String series : new String[] {"a", "b"}) {
            w.startSample("h_bucket");
            w.label("x", series);
            w.label("le", "+Inf");
            w.endSample(4);
            if (series.equals("b")) {
              w.startSample("h_sum");
              w.label("x", series);
              w.endSample(10);
            }
            w.startSample("h_count");
            w.label("x", series);
            w.endSample(4);
          }
        };
    String a = "h_bucket{x=\"a\",le=\"+Inf\"} 4\n";
    String b = "h_bucket{x=\"b\",le=\"+Inf\"} 4\nh_sum{x=\"b\"} 10\nh_count{x=\"b\"} 4\n";
    assertThat(text(write), is("# TYPE h histogram\n" + a + "h_count{x=\"a\"} 4\n" + b));
    assertThat(openMetrics(write), is("# TYPE h histogram\n" + a + b + "# EOF\n"));
  }

  @Test
  void shouldEscapeTheLabelValuesOfAnySample() {
    assertThat(
        text(
            w -> {
              w.startSample("x_total");
              w.label("model_name", "a\"b\\c\nd");
              w.label("node", "é");
              w.endSample(3);
            }),
        is("x_total{model_name=\"a\\\"b\\\\c\\nd\",node=\"é\"} 3\n"));
  }

  @Test
  void shouldKnowItsContentType() {
    assertThat(
        new PrometheusTextWriter().contentType(), is("text/plain; version=0.0.4; charset=utf-8"));
    assertThat(
        new OpenMetricsTextWriter().contentType(),
        is("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    for (ExpositionFormat format : ExpositionFormat.values()) {
      assertThat(format.newWriter().format(), is(format));
      assertThat(format.newWriter().contentType(), is(format.contentType()));
    }
  }

  @Test
  void shouldReuseItsBufferAcrossRenders() {
    ExpositionWriter w = new PrometheusTextWriter();
    w.reset();
    w.gauge("g", NONE, 1);
    byte[] first = w.array();
    w.reset();
    w.gauge("g", NONE, 2.5);
    assertThat(w.array() == first, is(true));
    assertThat(body(w), is("g 2.5\n"));
  }
}
