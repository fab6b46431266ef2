package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.instance;
import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

class FewestInFlightTest {
  private final Fleets fleets = new Fleets(1000);
  private final FewestInFlight scheduler = new FewestInFlight();

  @Test
  void shouldChooseTheInstanceWithTheFewestInFlight() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3));
    fleet.take(0);
    fleet.take(0);
    fleet.take(2);

    assertThat(scheduler.place(request(), fleet).prefill().id(), is(2L));
  }

  @Test
  void shouldKeepInstancesLevelWhenRequestsAreHeld() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3));

    for (int r = 0; r < 30; r++) {
      scheduler.place(request(), fleet);
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {10, 10, 10}));
  }

  @Test
  void shouldSkipExcludedInstancesAndThoseOfAnotherModel() {
    Fleet fleet =
        fleets.of(
            instance(1, "a", 0, 0, 0, 0),
            instance(2, "b", 0, 0, 0, 0),
            instance(3, "a", 0, 0, 0, 0));
    fleet.load(0).failed(1);
    for (int r = 0; r < 5; r++) {
      fleet.take(2);
    }

    assertThat(scheduler.place(Fleets.forModel("a"), fleet).prefill().id(), is(3L));
  }

  @Test
  void shouldReturnNullWhenEveryInstanceIsFull() {
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 1));
    fleet.take(0);
    fleet.take(1);

    assertThat(scheduler.place(request(), fleet), is(nullValue()));
  }

  @Test
  void shouldNeverExceedACapacityWhenEightThreadsPlaceAndRelease() throws Exception {
    Fleet fleet = fleets.of(withSlots(1, 1), withSlots(2, 2), withSlots(3, 3));

    int[] max = Fleets.hammer(scheduler, fleet, 8, 100_000, r -> request());

    for (int i = 0; i < fleet.size(); i++) {
      assertThat(max[i], lessThanOrEqualTo(fleet.capacity(i)));
    }
    assertThat(Fleets.inFlight(fleet), is(new int[] {0, 0, 0}));
  }
}
