package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.inSession;
import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

class SessionsTest {
  private final Fleets fleets = new Fleets(1000);

  @Test
  void shouldStickToTheSessionsInstanceWhileUnderEightyPercentOfCapacity() {
    Sessions scheduler = new Sessions(new RoundRobin(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10), withSlots(3, 10));

    // held, not released: the session's instance fills up to 8 of 10
    for (int r = 0; r < 8; r++) {
      assertThat(scheduler.place(inSession("s"), fleet).prefill().id(), is(1L));
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {8, 0, 0}));
  }

  @Test
  void shouldMoveTheSessionWhenItsInstanceIsSaturated() {
    Sessions scheduler = new Sessions(new RoundRobin(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10), withSlots(3, 10));
    for (int r = 0; r < 8; r++) {
      scheduler.place(inSession("s"), fleet);
    }

    long moved = scheduler.place(inSession("s"), fleet).prefill().id();

    assertThat(moved, is(not(1L)));
    // and stays with its new instance
    assertThat(scheduler.place(inSession("s"), fleet).prefill().id(), is(moved));
    assertThat(fleet.load(0).inFlight(), is(8));
  }

  @Test
  void shouldMoveTheSessionWhenItsInstancesCacheIsNearlyFull() {
    Sessions scheduler = new Sessions(new RoundRobin(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10));
    scheduler.place(inSession("s"), fleet).release();
    fleets.signals.cacheUsage(1, LeastLoaded.CACHE_FULL);

    assertThat(scheduler.place(inSession("s"), fleet).prefill().id(), is(2L));
  }

  @Test
  void shouldNotSendASaturatedSessionBackToItsInstanceWhenAnotherHasRoom() {
    Sessions scheduler = new Sessions(new LeastLoaded(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10));
    long first = scheduler.place(inSession("s"), fleet).prefill().id();
    int i = fleet.indexOf(first);
    while (fleet.load(i).inFlight() < 8) {
      fleet.take(i);
    }

    for (int r = 0; r < 5; r++) {
      assertThat(scheduler.place(inSession("s"), fleet).prefill().id(), is(not(first)));
    }
    assertThat(fleet.load(i).inFlight(), is(8));
  }

  @Test
  void shouldKeepDifferentSessionsApart() {
    Sessions scheduler = new Sessions(new RoundRobin(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10));
    long a = scheduler.place(inSession("a"), fleet).prefill().id();
    long b = scheduler.place(inSession("b"), fleet).prefill().id();

    for (int r = 0; r < 3; r++) {
      assertThat(scheduler.place(inSession("a"), fleet).prefill().id(), is(a));
      assertThat(scheduler.place(inSession("b"), fleet).prefill().id(), is(b));
    }
    assertThat(a, is(not(b)));
  }

  @Test
  void shouldLeaveRequestsWithoutSessionToTheInnerScheduler() {
    Sessions scheduler = new Sessions(new RoundRobin(), 100);
    Fleet fleet = fleets.of(withSlots(1, 10), withSlots(2, 10));

    for (int r = 0; r < 6; r++) {
      scheduler.place(request(), fleet);
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {3, 3}));
  }

  @Test
  void shouldNeverExceedACapacityWhenEightThreadsPlaceAndRelease() throws Exception {
    Sessions scheduler = new Sessions(new LeastLoaded(), 16);
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 2), withSlots(3, 5));

    int[] max =
        Fleets.hammer(scheduler, fleet, 8, 100_000, r -> inSession("s" + Math.floorMod(r, 10)));

    for (int i = 0; i < fleet.size(); i++) {
      assertThat(max[i], lessThanOrEqualTo(fleet.capacity(i)));
    }
    assertThat(Fleets.inFlight(fleet), is(new int[] {0, 0, 0}));
  }
}
