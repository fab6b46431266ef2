package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * The {@code /dresult} parser ({@link DresultParser}) under any bytes a decode instance or
 * something pretending to be one can send, cut into pieces anywhere. Whatever the input: no
 * exception; every {@code \0} ends exactly one message; a payload never holds a {@code \0} and
 * never passes the bound; and the messages are the same however the stream is cut (the link reads
 * whatever the socket gives).
 *
 * <p>The first byte chooses where the rest is cut in two. Seeds in {@code
 * DresultParserFuzzTestInputs/feed}. Run as regression tests by {@code mvn verify}; fuzz with
 * {@code bin/fuzz 2m DresultParserFuzzTest#feed}.
 */
class DresultParserFuzzTest {
  private static final int MAX = 64;

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "reqId:",
    "data:",
    "lastData:",
    "error:",
    "retry:",
    "ka:heartbeat",
    "close:",
    "0xffffffffffffffff",
    "\u0000",
  })
  void feed(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] stream = Arrays.copyOfRange(input, 1, input.length);
    int cut = stream.length == 0 ? 0 : (input[0] & 0xff) % (stream.length + 1);

    DresultParserTest.Recorded whole = new DresultParserTest.Recorded(MAX);
    whole.parser.feed(stream, 0, stream.length);
    Checked pieces = new Checked();
    pieces.parser.feed(stream, 0, cut);
    pieces.parser.feed(stream, cut, stream.length - cut);

    long nuls = 0;
    for (byte b : stream) {
      nuls += b == 0 ? 1 : 0;
    }
    assertThat(whole.parser.messages(), is(nuls));
    assertThat(pieces.parser.messages(), is(nuls));
    assertThat(pieces.recorded.events, is(whole.events));
  }

  /** Records like {@link DresultParserTest.Recorded} and checks every payload as it comes. */
  private static final class Checked implements DresultParser.Sink {
    final DresultParserTest.Recorded recorded = new DresultParserTest.Recorded(MAX);
    final DresultParser parser = new DresultParser(MAX, this);

    @Override
    public void message(
        DresultParser.Kind kind, String reqId, byte[] payload, int offset, int length) {
      assertThat(length, lessThanOrEqualTo(MAX));
      for (int i = offset; i < offset + length; i++) {
        assertThat(payload[i] == 0, is(false));
      }
      recorded.message(kind, reqId, payload, offset, length);
    }

    @Override
    public void dropped(DresultParser.Drop reason) {
      recorded.dropped(reason);
    }
  }
}
