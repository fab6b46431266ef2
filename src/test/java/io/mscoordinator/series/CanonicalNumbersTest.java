package io.mscoordinator.series;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CanonicalNumbersTest {
  @Test
  void shouldWriteTheSpecificationsExamples() {
    // OpenMetrics 1.0, "Considerations: Canonical Numbers"
    String[] examples = {
      "0.0",
      "0.001",
      "0.002",
      "0.01",
      "0.1",
      "0.9",
      "0.95",
      "0.99",
      "0.999",
      "1.0",
      "1.7",
      "10.0",
      "1e-10",
      "1e-09",
      "1e-05",
      "0.0001",
      "0.1",
      "1.0",
      "100000.0",
      "1e+06",
      "1e+10"
    };
    for (String example : examples) {
      assertThat(CanonicalNumbers.format(Double.parseDouble(example)), is(example));
    }
  }

  @Test
  void shouldWriteAsGoAndPrometheusClientPythonDo() {
    // expected texts from prometheus_client's floatToGoString (Go's %g, shortest, plus ".0")
    Object[][] cases = {
      {Double.POSITIVE_INFINITY, "+Inf"},
      {Double.NEGATIVE_INFINITY, "-Inf"},
      {Double.NaN, "NaN"},
      {-0.0, "0.0"},
      {5.0, "5.0"},
      {-5.0, "-5.0"},
      {0.005, "0.005"},
      {2.5, "2.5"},
      {123456.7, "123456.7"},
      {999999.0, "999999.0"},
      {1048576.0, "1.048576e+06"},
      {6.0e7, "6e+07"},
      {1.2345678901234567e20, "1.2345678901234567e+20"},
      {1.5e-7, "1.5e-07"},
      {0.00012, "0.00012"},
      {1e100, "1e+100"},
      {Double.MAX_VALUE, "1.7976931348623157e+308"},
      {0.1 + 0.2, "0.30000000000000004"},
    };
    for (Object[] c : cases) {
      assertThat(String.valueOf(c[0]), CanonicalNumbers.format((Double) c[0]), is(c[1]));
    }
  }

  @Test
  void shouldReadBackAsTheSameDoubleInGosLayout() {
    Random random = new Random(18);
    for (int i = 0; i < 100_000; i++) {
      double v = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        continue;
      }
      String text = CanonicalNumbers.format(v);
      assertThat(text, Double.parseDouble(text), is(v == 0 ? 0.0 : v));
      assertThat(text, text.matches("-?(\\d\\.?\\d*e[-+]\\d{2,3}|\\d+\\.\\d+)"), is(true));
    }
  }

  @Test
  void shouldAppendWithoutReplacingWhatIsThere() {
    assertThat(CanonicalNumbers.append(0.25, new StringBuilder("le=")).toString(), is("le=0.25"));
  }
}
