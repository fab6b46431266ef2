package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.instance;
import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinTest {
  private final Fleets fleets = new Fleets(1000);
  private final RoundRobin scheduler = new RoundRobin();

  @Test
  void shouldSpreadRequestsEvenlyOverInstances() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3), instance(4));

    for (int r = 0; r < 4 * 25; r++) {
      assertThat(scheduler.place(request(), fleet) != null, is(true));
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {25, 25, 25, 25}));
  }

  @Test
  void shouldSpreadRequestsEvenlyWhenEachIsReleasedBeforeTheNext() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3));
    int[] placed = new int[3];

    for (int r = 0; r < 3 * 40; r++) {
      Placement p = scheduler.place(request(), fleet);
      placed[fleet.indexOf(p.prefill().id())]++;
      p.release();
    }

    assertThat(placed, is(new int[] {40, 40, 40}));
    assertThat(fleets.released(), is(120));
  }

  @Test
  void shouldSkipAFullInstance() {
    Fleet fleet = fleets.of(withSlots(1, 2), instance(2), instance(3));

    for (int r = 0; r < 30; r++) {
      scheduler.place(request(), fleet);
    }

    int[] counts = Fleets.inFlight(fleet);
    assertThat(counts[0], is(2));
    assertThat(counts[1] + counts[2], is(28));
    assertThat(counts[1] > 0 && counts[2] > 0, is(true));
  }

  @Test
  void shouldSkipAnExcludedInstance() {
    Fleet fleet = fleets.of(instance(1), instance(2), instance(3));
    fleet.load(1).failed(1);

    for (int r = 0; r < 30; r++) {
      scheduler.place(request(), fleet);
    }

    int[] counts = Fleets.inFlight(fleet);
    assertThat(counts[1], is(0));
    assertThat(counts[0] + counts[2], is(30));
    assertThat(counts[0] > 0 && counts[2] > 0, is(true));
  }

  @Test
  void shouldSkipInstancesOfAnotherModel() {
    Fleet fleet =
        fleets.of(
            instance(1, "a", 0, 0, 0, 0),
            instance(2, "b", 0, 0, 0, 0),
            instance(3, "a", 0, 0, 0, 0));

    for (int r = 0; r < 30; r++) {
      assertThat(scheduler.place(Fleets.forModel("b"), fleet).prefill().id(), is(2L));
    }

    assertThat(Fleets.inFlight(fleet), is(new int[] {0, 30, 0}));
  }

  @Test
  void shouldReturnNullWhenEveryInstanceIsFull() {
    Fleet fleet = fleets.of(withSlots(1, 2), withSlots(2, 3));
    List<Placement> held = new ArrayList<>();
    for (int r = 0; r < 5; r++) {
      held.add(scheduler.place(request(), fleet));
    }

    assertThat(scheduler.place(request(), fleet), is(nullValue()));

    held.get(0).release();
    assertThat(scheduler.place(request(), fleet).prefill().id(), is(held.get(0).prefill().id()));
  }

  @Test
  void shouldReturnNullForAnEmptyFleet() {
    assertThat(scheduler.place(request(), fleets.of()), is(nullValue()));
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
