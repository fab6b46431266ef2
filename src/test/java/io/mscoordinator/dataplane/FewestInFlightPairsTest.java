package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Prefill/decode pairs: group and peers rules, links, fewest in flight, capacity. */
class FewestInFlightPairsTest {
  private final Set<Long> linksDown = new HashSet<>();
  private final FewestInFlightPairs pairs = new FewestInFlightPairs(id -> !linksDown.contains(id));
  private final Fleets fleets = new Fleets(2);

  @Test
  void shouldPairAPrefillWithADecodeOfItsGroupThatListsIt() {
    Fleet fleet =
        fleets.of(
            node(1, Role.PREFILL, 0),
            node(2, Role.DECODE, 1, 9), // another group
            node(3, Role.DECODE, 0, 9), // does not list P 1
            node(4, Role.DECODE, 0, 1));

    Placement p = pairs.place(Fleets.request(), fleet);

    assertThat(p.prefill().id(), is(1L));
    assertThat(p.decode().id(), is(4L));
    assertThat(p.single(), is(false));
  }

  @Test
  void shouldSpreadOverPrefillsAndDecodesByRequestsInFlightAndStopAtCapacity() {
    Fleet fleet =
        fleets.of(
            node(1, Role.PREFILL, 0),
            node(2, Role.PREFILL, 0),
            node(3, Role.DECODE, 0, 1, 2),
            node(4, Role.DECODE, 0, 1, 2));
    List<Placement> placed =
        List.of(
            pairs.place(Fleets.request(), fleet),
            pairs.place(Fleets.request(), fleet),
            pairs.place(Fleets.request(), fleet),
            pairs.place(Fleets.request(), fleet));

    for (int id = 1; id <= 4; id++) {
      long n = id;
      long count =
          placed.stream().filter(p -> p.prefill().id() == n || p.decode().id() == n).count();
      assertThat("instance " + id, count, is(2L));
    }
    // every instance holds its capacity of 2
    assertThat(pairs.place(Fleets.request(), fleet), nullValue());

    placed.get(0).release();
    Placement again = pairs.place(Fleets.request(), fleet);
    assertThat(again.prefill().id(), is(placed.get(0).prefill().id()));
    assertThat(again.decode().id(), is(placed.get(0).decode().id()));
  }

  @Test
  void shouldFreePsSlotAtItsAnswerAndDsAtTheEnd() {
    Fleet fleet = fleets.of(node(1, Role.PREFILL, 0), node(3, Role.DECODE, 0, 1));
    Placement p = pairs.place(Fleets.request(), fleet);
    int wakes = fleets.released();

    p.releasePrefill();
    p.releasePrefill();

    assertThat(fleet.load(0).inFlight(), is(0));
    assertThat(fleet.load(1).inFlight(), is(1));
    assertThat(fleets.released(), is(wakes + 1));

    p.release();
    p.release();

    assertThat(fleet.load(0).inFlight(), is(0));
    assertThat(fleet.load(1).inFlight(), is(0));
    assertThat(fleets.released(), is(wakes + 2));
  }

  @Test
  void shouldNotChooseADecodeWhoseLinkIsDownAndTryAnotherPrefill() {
    Fleet fleet =
        fleets.of(
            node(1, Role.PREFILL, 0),
            node(2, Role.PREFILL, 0),
            node(3, Role.DECODE, 0, 1),
            node(4, Role.DECODE, 0, 2));
    linksDown.add(3L);

    Placement p = pairs.place(Fleets.request(), fleet);

    assertThat(p.prefill().id(), is(2L));
    assertThat(p.decode().id(), is(4L));

    linksDown.add(4L);
    p.release();
    assertThat(pairs.place(Fleets.request(), fleet), nullValue());
  }

  @Test
  void shouldGiveBackThePrefillSlotWhenItsDecodeIsFull() {
    Fleet fleet = fleets.of(node(1, Role.PREFILL, 0), node(3, Role.DECODE, 0, 1));
    fleet.load(1).tryAcquire(2);
    fleet.load(1).tryAcquire(2);

    assertThat(pairs.place(Fleets.request(), fleet), nullValue());
    assertThat(fleet.load(0).inFlight(), is(0));
  }

  private static Instance node(long id, Role role, long group, long... peers) {
    List<Long> list = new java.util.ArrayList<>();
    for (long peer : peers) {
      list.add(peer);
    }
    return new Instance(
        id,
        "127.0.0.1",
        (int) (20_000 + id),
        (int) (30_000 + id),
        Fleets.MODEL,
        group,
        2048,
        512,
        0,
        0,
        128,
        0,
        role,
        0,
        0,
        list);
  }
}
