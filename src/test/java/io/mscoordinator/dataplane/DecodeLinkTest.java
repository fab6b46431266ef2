package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import io.mscoordinator.Eventually;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One {@code /dresult} link against a scripted decode instance on loopback: messages to their
 * requests in order, a dropped or silent link failing its waiting requests at once and opened
 * again, the instance down after {@code max_retry} failures and up when the link opens, a {@code
 * close:} from another coordinator ending it for good.
 */
class DecodeLinkTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ManualClock clock = new ManualClock();
  private final List<String> health = new CopyOnWriteArrayList<>();
  private OutboundClient client;
  private ScriptedDecode server;
  private DecodeLink link;

  @BeforeEach
  void start() throws IOException {
    client = OutboundClient.builder().build();
    server = new ScriptedDecode();
  }

  @AfterEach
  void stop() throws Exception {
    if (link != null) {
      link.close();
      assertThat(link.awaitClosed(WAIT), is(true));
    }
    server.close();
    client.close();
  }

  private DecodeLink link(int maxRetry) {
    Instance d =
        new Instance(
            9,
            "127.0.0.1",
            server.port(),
            server.port(),
            "llama",
            0,
            4096,
            1024,
            200,
            1024,
            128,
            2,
            Role.DECODE,
            200,
            1024,
            List.of());
    link =
        new DecodeLink(
            d,
            client,
            clock,
            new DecodeLink.Health() {
              @Override
              public void up(Instance instance) {
                health.add("up");
              }

              @Override
              public void down(Instance instance) {
                health.add("down");
              }
            },
            maxRetry,
            1024);
    return link;
  }

  @Test
  void shouldGiveEachRequestItsMessagesInOrderAndIgnoreOtherIds() throws Exception {
    link(3);
    await(link::up, "link up");
    assertThat(server.requestLine(), is("GET /dresult HTTP/1.1"));
    DecodeLink.Inbox seven = link.open("7");

    server.send("reqId:7\0data:a\0");
    server.send("reqId:8\0data:x\0reqId:7\0da");
    server.send("ta:b\0lastData:c\0");

    assertThat(texts(seven, 3), contains("DATA a", "DATA b", "LAST_DATA c"));
    await(() -> link.ignored() == 1, "the message for 8 ignored");
    assertThat(link.waiting(), is(0));
    assertThat(health, contains("up"));
  }

  @Test
  void shouldFailWaitingRequestsAtOnceWhenTheLinkDropsAndOpenItAgain() throws Exception {
    link(3);
    await(link::up, "link up");
    DecodeLink.Inbox seven = link.open("7");

    server.drop();

    assertThat(seven.poll(WAIT.toNanos()), sameInstance(DecodeLink.Inbox.LINK_DOWN));
    advanceUntil(() -> link.opens() == 2, "opened again");
    await(link::up, "link up again");
    DecodeLink.Inbox eight = link.open("8");
    server.send("reqId:8\0data:after\0");
    assertThat(texts(eight, 1), contains("DATA after"));
    assertThat(server.connections(), is(2));
  }

  @Test
  void shouldGiveLinkDownAtOnceToARequestOpenedWhileTheLinkIsDown() throws Exception {
    server.refuseWith(503);
    link(5);

    DecodeLink.Inbox seven = link.open("7");

    assertThat(seven.poll(WAIT.toNanos()), sameInstance(DecodeLink.Inbox.LINK_DOWN));
  }

  @Test
  void shouldReportTheInstanceDownAfterMaxRetryFailuresAndUpWhenTheLinkOpens() throws Exception {
    server.refuseWith(503);
    link(2);

    advanceUntil(() -> health.contains("down"), "reported down");
    assertThat(health, contains("down"));

    server.refuseWith(0);
    advanceUntil(link::up, "link up");
    assertThat(health, contains("down", "up"));
  }

  @Test
  void shouldCountSilenceAsAFailure() throws Exception {
    link(3);
    await(link::up, "link up");
    DecodeLink.Inbox seven = link.open("7");

    clock.advance(DecodeLink.SILENCE.plus(DecodeLink.SILENCE_CHECK));

    assertThat(seven.poll(WAIT.toNanos()), sameInstance(DecodeLink.Inbox.LINK_DOWN));
    advanceUntil(() -> link.opens() == 2, "opened again");
  }

  @Test
  void shouldEndForGoodWhenAnotherCoordinatorTakesTheLink() throws Exception {
    link(3);
    await(link::up, "link up");
    DecodeLink.Inbox seven = link.open("7");

    server.send("reqId:0xffffffffffffffff\0close:new link\0");

    assertThat(seven.poll(WAIT.toNanos()), sameInstance(DecodeLink.Inbox.LINK_DOWN));
    assertThat(link.awaitClosed(WAIT), is(true));
    assertThat(health, contains("up", "down"));
    clock.advance(Duration.ofMinutes(1));
    assertThat(server.connections(), is(1));
  }

  @Test
  void shouldDropAMalformedMessageAndKeepTheLink() throws Exception {
    link(3);
    await(link::up, "link up");
    DecodeLink.Inbox seven = link.open("7");

    server.send("nonsense\0reqId:7\0data:a\0");

    assertThat(texts(seven, 1), contains("DATA a"));
    assertThat(link.dropped(), is(1L));
    assertThat(link.opens(), is(1));
  }

  @Test
  void shouldFailWaitingRequestsWhenClosed() throws Exception {
    link(3);
    await(link::up, "link up");
    DecodeLink.Inbox seven = link.open("7");

    link.close();

    assertThat(seven.poll(WAIT.toNanos()), sameInstance(DecodeLink.Inbox.LINK_DOWN));
    assertThat(link.awaitClosed(WAIT), is(true));
  }

  // ------------------------------------------------------------------ helpers

  private static List<String> texts(DecodeLink.Inbox inbox, int n) throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DecodeLink.Inbox.Piece p = inbox.poll(WAIT.toNanos());
      if (p == null) {
        break;
      }
      out.add(p.kind() + " " + new String(p.payload(), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    Eventually.await(done, what, WAIT);
  }

  /** Moves the clock a retry pause at a time until {@code done}: the link waits on the clock. */
  private void advanceUntil(BooleanSupplier done, String what) throws InterruptedException {
    boolean ok =
        Eventually.poll(
            () -> {
              if (done.getAsBoolean()) {
                return true;
              }
              clock.advance(DecodeLink.RETRY_PAUSE);
              return done.getAsBoolean();
            },
            b -> b,
            WAIT);
    assertThat(what, ok, is(true));
  }
}
