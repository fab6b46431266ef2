package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.Role;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decode instances' links following the registry: opened, closed, opened anew. */
class DecodeLinksTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InstanceRegistry registry = new InstanceRegistry();
  private OutboundClient client;
  private ScriptedDecode first;
  private ScriptedDecode second;
  private DecodeLinks links;

  @BeforeEach
  void start() throws Exception {
    client = OutboundClient.builder().build();
    first = new ScriptedDecode();
    second = new ScriptedDecode();
    links = new DecodeLinks(client, Clock.system(), 3, 1024, () -> {});
    registry.addListener(links::update);
  }

  @AfterEach
  void stop() throws Exception {
    links.close();
    first.close();
    second.close();
    client.close();
  }

  @Test
  void shouldOpenALinkPerDecodeInstanceAndCloseItWhenTheInstanceLeaves() throws Exception {
    registry.refresh(List.of(instance(1, Role.PREFILL, 9), decode(2, first), decode(3, second)));

    await(() -> links.up(2) && links.up(3), "both links up");
    assertThat(first.requestLine(), is("GET /dresult HTTP/1.1"));
    assertThat(second.requestLine(), is("GET /dresult HTTP/1.1"));
    assertThat(links.size(), is(2));
    assertThat(links.up(1), is(false));

    registry.refresh(List.of(instance(1, Role.PREFILL, 9), decode(2, first)));

    assertThat(second.endedByPeer(WAIT), is(true));
    assertThat(links.size(), is(1));
    assertThat(links.up(3), is(false));
    assertThat(links.up(2), is(true));
  }

  @Test
  void shouldKeepTheLinkOfAnOfflineInstanceAndOpenANewOneAtANewAddress() throws Exception {
    registry.refresh(List.of(decode(2, first)));
    await(() -> links.up(2), "link up");
    DecodeLink before = links.link(2);

    registry.setOffline(List.of(2L), true);
    assertThat(links.link(2), is(before));

    registry.refresh(List.of(decode(2, second)));

    assertThat(first.endedByPeer(WAIT), is(true));
    await(() -> links.up(2) && links.link(2) != before, "a new link at the new address");
    assertThat(second.requestLine(), is("GET /dresult HTTP/1.1"));
  }

  @Test
  void shouldCloseEveryLinkWhenClosed() throws Exception {
    registry.refresh(List.of(decode(2, first), decode(3, second)));
    await(() -> links.up(2) && links.up(3), "both links up");

    links.close();

    assertThat(first.endedByPeer(WAIT), is(true));
    assertThat(second.endedByPeer(WAIT), is(true));
    registry.refresh(List.of(decode(4, first)));
    assertThat(links.size(), is(0));
  }

  private static Instance decode(long id, ScriptedDecode server) {
    return instance(id, Role.DECODE, server.port());
  }

  private static Instance instance(long id, Role role, int port) {
    return new Instance(
        id,
        "127.0.0.1",
        port,
        port,
        "llama",
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        role,
        200,
        1024,
        List.of());
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    Eventually.await(done, what, WAIT);
  }
}
