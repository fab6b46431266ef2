package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.inConversation;
import static io.mscoordinator.dataplane.Fleets.instance;
import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

class CacheAffinityTest {
  private final Fleets fleets = new Fleets(1000);

  @Test
  void shouldSendEveryTurnOfAConversationToOneInstance() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3));
    long first = scheduler.place(inConversation(42), fleet).prefill().id();

    for (int turn = 0; turn < 20; turn++) {
      // other traffic moves the round robin on between turns
      scheduler.place(request(), fleet);
      scheduler.place(inConversation(1000 + turn), fleet);
      assertThat(scheduler.place(inConversation(42), fleet).prefill().id(), is(first));
    }
  }

  @Test
  void shouldLeaveTheInstanceWhenItsFreeSlotsFallToTheThreshold() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    Fleet fleet = fleets.of(withSlots(1, 20), withSlots(2, 20));
    Placement first = scheduler.place(inConversation(42), fleet);
    assertThat(first.prefill().id(), is(1L));
    for (int r = 0; r < 18; r++) {
      fleet.take(0);
    }
    // 19 of 20 taken: 1/20 free is above 0.05 no more
    assertThat(scheduler.place(inConversation(42), fleet).prefill().id(), is(2L));
  }

  @Test
  void shouldStayWhileFreeSlotsAreAboveTheThreshold() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    Fleet fleet = fleets.of(withSlots(1, 20), withSlots(2, 20));
    scheduler.place(inConversation(42), fleet);
    for (int r = 0; r < 17; r++) {
      fleet.take(0);
    }

    // 18 of 20 taken: 2/20 free
    assertThat(scheduler.place(inConversation(42), fleet).prefill().id(), is(1L));
  }

  @Test
  void shouldLeaveTheInstanceWhenItReportsFewFreeSlots() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    scheduler.place(inConversation(42), fleets.of(withSlots(1, 100), withSlots(2, 100)));

    Fleet after =
        fleets.of(
            instance(1, Fleets.MODEL, 100, 5, 0, 0), instance(2, Fleets.MODEL, 100, 100, 0, 0));

    assertThat(scheduler.place(inConversation(42), after).prefill().id(), is(2L));
  }

  @Test
  void shouldLeaveTheInstanceWhenItsFreeBlocksFallToTheThreshold() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    scheduler.place(
        inConversation(42),
        fleets.of(
            instance(1, Fleets.MODEL, 100, 100, 1000, 1000),
            instance(2, Fleets.MODEL, 100, 100, 1000, 1000)));

    Fleet after =
        fleets.of(
            instance(1, Fleets.MODEL, 100, 100, 1000, 50),
            instance(2, Fleets.MODEL, 100, 100, 1000, 1000));

    assertThat(scheduler.place(inConversation(42), after).prefill().id(), is(2L));
  }

  @Test
  void shouldStayWithTheNewInstanceAfterLeaving() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    scheduler.place(
        inConversation(42),
        fleets.of(instance(1, Fleets.MODEL, 100, 100, 1000, 1000), instance(2)));
    long moved =
        scheduler
            .place(
                inConversation(42),
                fleets.of(instance(1, Fleets.MODEL, 100, 100, 1000, 10), instance(2)))
            .prefill()
            .id();
    assertThat(moved, is(2L));

    Fleet recovered = fleets.of(instance(1, Fleets.MODEL, 100, 100, 1000, 1000), instance(2));
    for (int turn = 0; turn < 5; turn++) {
      assertThat(scheduler.place(inConversation(42), recovered).prefill().id(), is(2L));
    }
  }

  @Test
  void shouldRememberTheLastCacheSizeConversations() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3), instance(4));
    CacheAffinity scheduler = new CacheAffinity(3, 0.05, 0.05);
    // round robin: 1 → instance 1, 2 → instance 2, 3 → instance 3
    for (long c = 1; c <= 3; c++) {
      assertThat(scheduler.place(inConversation(c), fleet).prefill().id(), is(c));
    }

    assertThat(scheduler.place(inConversation(1), fleet).prefill().id(), is(1L));
  }

  @Test
  void shouldForgetTheLeastRecentlyUsedConversationPastCacheSize() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3), instance(4));
    CacheAffinity scheduler = new CacheAffinity(2, 0.05, 0.05);
    for (long c = 1; c <= 3; c++) {
      assertThat(scheduler.place(inConversation(c), fleet).prefill().id(), is(c));
    }

    // forgotten: round robin's next, instance 4
    assertThat(scheduler.place(inConversation(1), fleet).prefill().id(), is(4L));
  }

  @Test
  void shouldRoundRobinRequestsWithoutConversation() {
    CacheAffinity scheduler = new CacheAffinity(100, 0.05, 0.05);
    Fleet fleet = fleets.of(instance(1), instance(2));
    long a = scheduler.place(request(), fleet).prefill().id();
    long b = scheduler.place(request(), fleet).prefill().id();

    assertThat(a, is(not(b)));
  }

  @Test
  void shouldNeverExceedACapacityWhenEightThreadsPlaceAndRelease() throws Exception {
    CacheAffinity scheduler = new CacheAffinity(16, 0.05, 0.05);
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 2), withSlots(3, 3));

    int[] max =
        Fleets.hammer(scheduler, fleet, 8, 100_000, r -> inConversation(1 + Math.floorMod(r, 50)));

    for (int i = 0; i < fleet.size(); i++) {
      assertThat(max[i], lessThanOrEqualTo(fleet.capacity(i)));
    }
    assertThat(Fleets.inFlight(fleet), is(new int[] {0, 0, 0}));
  }
}
