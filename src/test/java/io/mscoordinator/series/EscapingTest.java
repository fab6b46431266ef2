package io.mscoordinator.series;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EscapingTest {
  private static String escape(String text, boolean quotes) {
    byte[] out = new byte[Escaping.maxBytes(text)];
    int n = Escaping.escape(text, quotes, out, 0);
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void shouldEscapeBackslashLineFeedAndQuoteInALabelValue() {
    assertThat(Escaping.labelValue("a\\b\nc\"d"), is("a\\\\b\\nc\\\"d"));
  }

  @Test
  void shouldLeaveQuotesAsTheyAreWhenQuotesAreNotEscaped() {
    assertThat(escape("say \"hi\"\\\n", false), is("say \"hi\"\\\\\\n"));
  }

  @Test
  void shouldWriteUtf8AndALoneSurrogateAsAQuestionMark() {
    assertThat(escape("é€😀", true), is("é€😀"));
    assertThat(escape("a\uD800b\uDC00", true), is("a?b?"));
  }

  @Test
  void shouldStayWithinMaxBytesAndRoundTripForAnyText() {
    Random random = new Random(18);
    for (int round = 0; round < 10_000; round++) {
      char[] chars = new char[random.nextInt(12)];
      for (int i = 0; i < chars.length; i++) {
        int pick = random.nextInt(4);
        chars[i] =
            pick == 0
                ? "\\\n\"a".charAt(random.nextInt(4))
                : (char) random.nextInt(pick == 1 ? 0x80 : pick == 2 ? 0x800 : 0x10000);
      }
      String text = new String(chars);
      byte[] out = new byte[Escaping.maxBytes(text)];
      int n = Escaping.escape(text, true, out, 0);
      assertThat(n, lessThanOrEqualTo(out.length));
      String expected =
          new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
              .replace("\\", "\\\\")
              .replace("\n", "\\n")
              .replace("\"", "\\\"");
      assertThat(text, new String(out, 0, n, StandardCharsets.UTF_8), is(expected));
    }
  }
}
