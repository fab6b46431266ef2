package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code /dresult} stream's messages, whole, split anywhere, and malformed. */
class DresultParserTest {
  /** A decode instance's stream as MindIE writes it: each message with its id. */
  static final String MINDIE =
      "reqId:1883960245379661824\0data:data: {\"choices\":[{\"text\":\"tok1\"}]}\n\n\0"
          + "ka:heartbeat\0"
          + "reqId:1883960245379661825\0retry:{\"prompt\":\"hi\",\"max_tokens\":3}\0"
          + "reqId:1883960245379661824\0lastData:data: [DONE]\n\n\0"
          + "reqId:1883960245379661826\0error:out of blocks\0"
          + "reqId:0xffffffffffffffff\0close:another coordinator took the link\0";

  @Test
  void shouldReadEachMessageWithTheIdBeforeIt() {
    Recorded r = parse(64 * 1024, MINDIE);

    assertThat(
        r.events,
        contains(
            "DATA 1883960245379661824 data: {\"choices\":[{\"text\":\"tok1\"}]}\n\n",
            "KEEP_ALIVE null heartbeat",
            "RETRY 1883960245379661825 {\"prompt\":\"hi\",\"max_tokens\":3}",
            "LAST_DATA 1883960245379661824 data: [DONE]\n\n",
            "ERROR 1883960245379661826 out of blocks",
            "CLOSE 0xffffffffffffffff another coordinator took the link"));
    assertThat(r.parser.messages(), is(11L));
  }

  @Test
  void shouldReadTheSameMessagesWhereverThePiecesSplitThem() {
    byte[] bytes = MINDIE.getBytes(StandardCharsets.UTF_8);
    List<String> whole = parse(64 * 1024, MINDIE).events;
    for (int a = 0; a <= bytes.length; a++) {
      for (int b = a; b <= bytes.length; b += 7) {
        Recorded r = new Recorded(64 * 1024);
        r.parser.feed(bytes, 0, a);
        r.parser.feed(bytes, a, b - a);
        r.parser.feed(bytes, b, bytes.length - b);

        assertThat("split=" + a + "," + b, r.events, is(whole));
      }
    }
  }

  @Test
  void shouldKeepAPayloadWithColonsAndAMessageWaitingForItsEnd() {
    Recorded r = new Recorded(1024);
    byte[] bytes = "reqId:7\0data:data: {\"a\":1}".getBytes(StandardCharsets.UTF_8);
    r.parser.feed(bytes, 0, bytes.length);
    assertThat(r.events, is(List.of()));

    r.parser.feed(new byte[] {0}, 0, 1);

    assertThat(r.events, contains("DATA 7 data: {\"a\":1}"));
  }

  @Test
  void shouldDropAMessagePastTheBoundWholeAndReadTheNext() {
    String big = "x".repeat(100);
    for (boolean split : new boolean[] {false, true}) {
      Recorded r = new Recorded(64);
      byte[] bytes = ("reqId:7\0data:" + big + "\0data:small\0").getBytes(StandardCharsets.UTF_8);
      if (split) {
        for (int i = 0; i < bytes.length; i += 5) {
          r.parser.feed(bytes, i, Math.min(5, bytes.length - i));
        }
      } else {
        r.parser.feed(bytes, 0, bytes.length);
      }

      assertThat("split=" + split, r.events, contains("dropped TOO_LARGE", "DATA 7 small"));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "no colon here\0",
        "\0",
        "lastdata:x\0",
        "Data:x\0",
      })
  void shouldDropAMalformedMessageAndKeepReading(String bad) {
    Recorded r = parse(1024, "reqId:9\0" + bad + "data:after\0");

    assertThat(r.events.size(), is(2));
    assertThat(r.events.get(1), is("DATA 9 after"));
  }

  @Test
  void shouldDropARequestsMessageWithoutAGoodIdBeforeIt() {
    Recorded r =
        parse(
            1024,
            "data:orphan\0reqId:5\0data:mine\0reqId:not an id\0data:lost\0reqId:\0data:lost\0"
                + "reqId:"
                + "1".repeat(DresultParser.MAX_REQ_ID + 1)
                + "\0lastData:lost\0ka:heartbeat\0reqId:6\0data:ok\0");

    assertThat(
        r.events,
        contains(
            "dropped NO_REQ_ID",
            "DATA 5 mine",
            "dropped BAD_REQ_ID",
            "dropped NO_REQ_ID",
            "dropped BAD_REQ_ID",
            "dropped NO_REQ_ID",
            "dropped BAD_REQ_ID",
            "dropped NO_REQ_ID",
            "KEEP_ALIVE null heartbeat",
            "DATA 6 ok"));
  }

  @Test
  void shouldGiveTheSameIdObjectWhileTheIdRepeats() {
    List<String> ids = new ArrayList<>();
    DresultParser p =
        new DresultParser(
            1024,
            new DresultParser.Sink() {
              @Override
              public void message(
                  DresultParser.Kind kind, String reqId, byte[] payload, int offset, int length) {
                ids.add(reqId);
              }

              @Override
              public void dropped(DresultParser.Drop reason) {}
            });
    byte[] bytes = "reqId:42\0data:a\0reqId:42\0data:b\0".getBytes(StandardCharsets.UTF_8);
    p.feed(bytes, 0, bytes.length);

    assertThat(ids.size(), is(2));
    assertThat(ids.get(0) == ids.get(1), is(true));
  }

  static Recorded parse(int max, String stream) {
    Recorded r = new Recorded(max);
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    r.parser.feed(bytes, 0, bytes.length);
    return r;
  }

  /** A parser whose sink writes each event as a line. */
  static final class Recorded implements DresultParser.Sink {
    final List<String> events = new ArrayList<>();
    final DresultParser parser;

    Recorded(int max) {
      parser = new DresultParser(max, this);
    }

    @Override
    public void message(
        DresultParser.Kind kind, String reqId, byte[] payload, int offset, int length) {
      events.add(
          kind + " " + reqId + " " + new String(payload, offset, length, StandardCharsets.UTF_8));
    }

    @Override
    public void dropped(DresultParser.Drop reason) {
      events.add("dropped " + reason);
    }
  }
}
