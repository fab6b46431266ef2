package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventBoundariesTest {
  private static final String VLLM =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
          + "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"
          + "data: [DONE]\n\n";

  @Test
  void shouldEndAnEventAtABlankLine() {
    assertThat(count("data: a\n\n"), is(1));
  }

  @Test
  void shouldEndAnEventAtACrLfBlankLine() {
    assertThat(count("data: a\r\n\r\n"), is(1));
  }

  @Test
  void shouldEndAnEventAtACrBlankLine() {
    assertThat(count("data: a\r\r"), is(1));
  }

  @Test
  void shouldCountSeveralEventsInOneRead() {
    assertThat(count(VLLM), is(3));
  }

  @Test
  void shouldNotEndAnEventAtASingleLineEnd() {
    assertThat(count("event: message\ndata: a\ndata: b\nid: 1\n"), is(0));
    assertThat(count("event: message\r\ndata: a\r\ndata: b\r\n"), is(0));
  }

  @Test
  void shouldNotCountBlankLinesWithoutAnEvent() {
    assertThat(count("\n\n\r\n\r\n\n"), is(0));
    assertThat(count("data: a\n\n\n\n\n"), is(1));
  }

  @Test
  void shouldNotEndAnEventAtTheDataOfAnEvent() {
    // escaped line ends inside JSON are not line ends; a lone \n is one
    assertThat(count("data: {\"text\":\"a\\n\\nb\"}\n"), is(0));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "data: a\n\ndata: b\n\n",
        "data: a\r\n\r\ndata: b\r\n\r\n",
        ": ping\n\ndata: a\n\n: ping\r\n\r\ndata: b\r\r",
        VLLM
      })
  void shouldCountTheSameEventsWhereverTheReadsSplitThem(String stream) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    int expected = count(stream);
    for (int split = 0; split <= bytes.length; split++) {
      EventBoundaries events = new EventBoundaries();
      byte[] second = new byte[bytes.length - split];
      System.arraycopy(bytes, split, second, 0, second.length);

      int n = events.count(bytes, split) + events.count(second, second.length);

      assertThat("split=" + split, n, is(expected));
    }
  }

  @Test
  void shouldCountTheSameEventsWhenReadOneByteAtATime() {
    byte[] bytes = "data: a\r\n\r\ndata: b\n\ndata: c\r\r".getBytes(StandardCharsets.UTF_8);
    EventBoundaries events = new EventBoundaries();
    int n = 0;
    for (byte b : bytes) {
      n += events.count(new byte[] {b, 'x'}, 1);
    }

    assertThat(n, is(3));
  }

  @Test
  void shouldReadOnlyTheFirstNBytes() {
    byte[] bytes = "data: a\n\ndata: b\n\n".getBytes(StandardCharsets.UTF_8);

    assertThat(new EventBoundaries().count(bytes, 9), is(1));
  }

  @Test
  void shouldReadOnlyTheNBytesFromTheOffset() {
    byte[] bytes = "data: a\n\ndata: b\n\ndata: c\n\n".getBytes(StandardCharsets.UTF_8);

    assertThat(new EventBoundaries().count(bytes, 9, 18), is(2));
    assertThat(new EventBoundaries().count(bytes, 9, 9), is(1));
  }

  @Test
  void shouldNotCountACommentAsAnEvent() {
    // a keep-alive comment is not a token: it must not produce an inter-token interval
    assertThat(count(": keep-alive\n\n"), is(0));
    assertThat(count(": ping\r\n\r\ndata: a\r\n\r\n: ping\r\n\r\n"), is(1));
  }

  @Test
  void shouldCountAnEventWithACommentLineInIt() {
    assertThat(count(": note\ndata: a\n\n"), is(1));
  }

  private static int count(String stream) {
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    return new EventBoundaries().count(bytes, bytes.length);
  }
}
