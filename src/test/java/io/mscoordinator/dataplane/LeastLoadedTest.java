package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.instance;
import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

class LeastLoadedTest {
  private static final int PLACEMENTS = 10_000;

  private final Fleets fleets = new Fleets(1000);
  private final LeastLoaded scheduler = new LeastLoaded();

  @Test
  void shouldFillEveryInstanceToItsCapacityAndNoFurther() {
    Fleet fleet = fleets.of(withSlots(1, 3), withSlots(2, 5), withSlots(3, 1));

    for (int r = 0; r < 9; r++) {
      assertThat(scheduler.place(request(), fleet) != null, is(true));
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {3, 5, 1}));
    assertThat(scheduler.place(request(), fleet), is(nullValue()));
  }

  @Test
  void shouldPlaceFewerOnTheInstanceWithMoreInFlight() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3), instance(4));
    for (int r = 0; r < 50; r++) {
      fleet.take(0);
    }

    int[] placed = placeAndRelease(fleet);

    // an even share would be 2,500 each; the loaded one only wins when drawn with itself (never)
    assertThat(placed[0], lessThan(PLACEMENTS / 4 / 5));
  }

  @Test
  void shouldPlaceFewerOnTheInstanceWithMoreWaiting() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3), instance(4));
    fleets.signals.waiting(3, 40);

    int[] placed = placeAndRelease(fleet);

    assertThat(placed[2], lessThan(PLACEMENTS / 4 / 5));
  }

  @Test
  void shouldTreatANearlyFullCacheAsFull() {
    Fleet fleet = fleets.of(instance(1), instance(2));
    fleets.signals.cacheUsage(1, LeastLoaded.CACHE_FULL);
    for (int r = 0; r < 100; r++) {
      fleet.take(1);
    }

    int[] placed = placeAndRelease(fleet);

    // instance 2 has 100 in flight, instance 1 none but a full cache: it counts as full
    assertThat(placed[0], is(0));
  }

  @Test
  void shouldNotTreatACacheJustBelowTheLimitAsFull() {
    Fleet fleet = fleets.of(instance(1), instance(2));
    fleets.signals.cacheUsage(1, 0.94);
    for (int r = 0; r < 100; r++) {
      fleet.take(1);
    }

    int[] placed = placeAndRelease(fleet);

    assertThat(placed[1], is(0));
  }

  @Test
  void shouldStillPlaceOnAFullCacheWhenNoOtherInstanceHasRoom() {
    Fleet fleet = fleets.of(withSlots(1, 2), withSlots(2, 2));
    fleets.signals.cacheUsage(1, 0.99);
    fleet.take(1);
    fleet.take(1);

    assertThat(scheduler.place(request(), fleet).prefill().id(), is(1L));
  }

  @Test
  void shouldReturnNullWhenEveryInstanceIsFull() {
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 1));
    fleet.take(0);
    fleet.take(1);

    assertThat(scheduler.place(request(), fleet), is(nullValue()));
  }

  @Test
  void shouldSkipExcludedInstancesAndThoseOfAnotherModel() {
    Fleet fleet =
        fleets.of(
            instance(1, "a", 0, 0, 0, 0),
            instance(2, "b", 0, 0, 0, 0),
            instance(3, "a", 0, 0, 0, 0));
    fleet.load(0).failed(1);

    for (int r = 0; r < 100; r++) {
      assertThat(scheduler.place(Fleets.forModel("a"), fleet).prefill().id(), is(3L));
    }
  }

  @Test
  void shouldNeverExceedACapacityWhenEightThreadsPlaceAndRelease() throws Exception {
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 2), withSlots(3, 3));
    fleets.signals.waiting(2, 5);

    int[] max = Fleets.hammer(scheduler, fleet, 8, 100_000, r -> request());

    for (int i = 0; i < fleet.size(); i++) {
      assertThat(max[i], lessThanOrEqualTo(fleet.capacity(i)));
    }
    assertThat(Fleets.inFlight(fleet), is(new int[] {0, 0, 0}));
  }

  private int[] placeAndRelease(Fleet fleet) {
    int[] placed = new int[fleet.size()];
    for (int r = 0; r < PLACEMENTS; r++) {
      Placement p = scheduler.place(request(), fleet);
      placed[fleet.indexOf(p.prefill().id())]++;
      p.release();
    }
    return placed;
  }
}
