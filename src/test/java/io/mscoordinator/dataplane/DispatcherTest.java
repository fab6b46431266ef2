package io.mscoordinator.dataplane;

import static io.mscoordinator.dataplane.Fleets.request;
import static io.mscoordinator.dataplane.Fleets.withSlots;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.Eventually;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final Instance A = withSlots(1, 1);
  private static final Instance B = withSlots(2, 1);

  private final InstanceRegistry registry = new InstanceRegistry();
  private final ManualClock clock = new ManualClock();
  private final AtomicBoolean answers = new AtomicBoolean();
  private final AtomicInteger probes = new AtomicInteger();
  private final Dispatcher dispatcher =
      new Dispatcher(
          registry,
          InstanceSignals.NONE,
          1000,
          3,
          clock,
          instance -> {
            probes.incrementAndGet();
            return answers.get();
          });
  private final RoundRobin scheduler = new RoundRobin();
  private final ExecutorService waiters = Executors.newCachedThreadPool();

  @AfterEach
  void stopWaiters() throws InterruptedException {
    waiters.shutdownNow();
    assertThat(waiters.awaitTermination(10, TimeUnit.SECONDS), is(true));
  }

  @Test
  void shouldPlaceAWaitingRequestWhenASlotIsReleased() throws Exception {
    registry.refresh(List.of(A));
    Placement held = dispatcher.place(request(), scheduler, 0);

    Future<Placement> waiting = waiters.submit(() -> dispatcher.place(request(), scheduler, 0));
    awaitWaiting(1);
    assertThat(waiting.isDone(), is(false));
    held.release();

    assertThat(waiting.get(WITHIN.toSeconds(), TimeUnit.SECONDS).prefill(), is(A));
    assertThat(dispatcher.waiting(), is(0));
  }

  @Test
  void shouldThrowScheduleTimeoutWhenTheClockPassesIt() throws Exception {
    registry.refresh(List.of(A));
    dispatcher.place(request(), scheduler, 0);
    long timeout = Duration.ofSeconds(5).toNanos();

    Future<Placement> waiting =
        waiters.submit(() -> dispatcher.place(request(), scheduler, timeout));
    Eventually.poll(clock::pending, n -> n == 1, WITHIN);
    assertThat(clock.pending(), is(1));
    clock.advance(Duration.ofSeconds(5).minusNanos(1));
    assertThat(waiting.isDone(), is(false));
    clock.advance(Duration.ofNanos(1));

    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> waiting.get(WITHIN.toSeconds(), TimeUnit.SECONDS));
    assertThat(e.getCause(), instanceOf(Dispatcher.ScheduleTimeoutException.class));
    assertThat(dispatcher.waiting(), is(0));
  }

  @Test
  void shouldCancelTheScheduleTimeoutOfARequestPlacedAfterWaiting() throws Exception {
    registry.refresh(List.of(A));
    Placement held = dispatcher.place(request(), scheduler, 0);
    Future<Placement> waiting =
        waiters.submit(
            () -> dispatcher.place(request(), scheduler, Duration.ofSeconds(5).toNanos()));
    Eventually.poll(clock::pending, n -> n == 1, WITHIN);

    held.release();
    waiting.get(WITHIN.toSeconds(), TimeUnit.SECONDS);

    assertThat(clock.pending(), is(0));
  }

  @Test
  void shouldNotScheduleATimeoutForARequestPlacedAtOnce() throws Exception {
    registry.refresh(List.of(A));

    dispatcher.place(request(), scheduler, Duration.ofSeconds(5).toNanos());

    assertThat(clock.pending(), is(0));
  }

  @Test
  void shouldPlaceAWaitingRequestOnAnInstanceARefreshAdds() throws Exception {
    registry.refresh(List.of(A));
    dispatcher.place(request(), scheduler, 0);

    Future<Placement> waiting = waiters.submit(() -> dispatcher.place(request(), scheduler, 0));
    awaitWaiting(1);
    registry.refresh(List.of(A, B));

    assertThat(waiting.get(WITHIN.toSeconds(), TimeUnit.SECONDS).prefill(), is(B));
  }

  @Test
  void shouldPlaceAWaitingRequestOnAnInstanceBroughtOnline() throws Exception {
    registry.refresh(List.of(A, B));
    registry.setOffline(List.of(2L), true);
    dispatcher.place(request(), scheduler, 0);

    Future<Placement> waiting = waiters.submit(() -> dispatcher.place(request(), scheduler, 0));
    awaitWaiting(1);
    registry.setOffline(List.of(2L), false);

    assertThat(waiting.get(WITHIN.toSeconds(), TimeUnit.SECONDS).prefill(), is(B));
  }

  @Test
  void shouldTakeAnInstanceOutOfSchedulingAfterMaxRetryFailures() throws Exception {
    registry.refresh(List.of(withSlots(1, 100), withSlots(2, 100)));
    Fleet fleet = dispatcher.fleet();
    Instance a = fleet.instance(0);
    Load load = fleet.load(0);

    dispatcher.failed(a, load);
    dispatcher.failed(a, load);
    assertThat(load.excluded(), is(false));
    dispatcher.failed(a, load);

    assertThat(load.excluded(), is(true));
    assertThat(placedOn(10), is(Set.of(2L)));
  }

  @Test
  void shouldCountOnlyConsecutiveFailures() {
    registry.refresh(List.of(withSlots(1, 100)));
    Fleet fleet = dispatcher.fleet();
    Load load = fleet.load(0);

    dispatcher.failed(fleet.instance(0), load);
    dispatcher.failed(fleet.instance(0), load);
    dispatcher.succeeded(load);
    dispatcher.failed(fleet.instance(0), load);
    dispatcher.failed(fleet.instance(0), load);

    assertThat(load.excluded(), is(false));
    assertThat(clock.pending(), is(0));
  }

  @Test
  void shouldBringAnInstanceBackWhenAProbeOnTheClockSucceeds() throws Exception {
    registry.refresh(List.of(withSlots(1, 100), withSlots(2, 100)));
    Fleet fleet = dispatcher.fleet();
    Load load = fleet.load(0);
    for (int f = 0; f < 3; f++) {
      dispatcher.failed(fleet.instance(0), load);
    }
    assertThat(clock.pending(), is(1));
    assertThat(probes.get(), is(0));

    clock.advance(Dispatcher.PROBE_INTERVAL);
    // the probe failed: it is scheduled again, the instance stays out
    Eventually.poll(clock::pending, n -> n == 1, WITHIN);
    assertThat(probes.get(), is(1));
    assertThat(load.excluded(), is(true));

    answers.set(true);
    clock.advance(Dispatcher.PROBE_INTERVAL);

    assertThat(Eventually.poll(load::excluded, excluded -> !excluded, WITHIN), is(false));
    assertThat(probes.get(), is(2));
    assertThat(clock.pending(), is(0));
    assertThat(placedOn(10), is(Set.of(1L, 2L)));
  }

  @Test
  void shouldNotChooseAnInstanceARefreshRemoved() throws Exception {
    registry.refresh(List.of(withSlots(1, 100), withSlots(2, 100)));
    assertThat(placedOn(4), is(Set.of(1L, 2L)));

    registry.refresh(List.of(withSlots(2, 100)));

    assertThat(placedOn(10), is(Set.of(2L)));
  }

  @Test
  void shouldApplyOfflineAndOnlineToTheNextRequest() throws Exception {
    registry.refresh(List.of(withSlots(1, 100), withSlots(2, 100)));

    registry.setOffline(List.of(1L), true);
    assertThat(placedOn(10), is(Set.of(2L)));

    registry.setOffline(List.of(1L), false);
    assertThat(placedOn(2), is(Set.of(1L, 2L)));
  }

  @Test
  void shouldKeepCountingRequestsInFlightOnAnInstanceTakenOfflineAndBack() throws Exception {
    registry.refresh(List.of(A));
    Placement held = dispatcher.place(request(), scheduler, 0);

    registry.setOffline(List.of(1L), true);
    // a request arrives while A is offline: the fleet without A is built
    assertThat(scheduler.place(request(), dispatcher.fleet()), is((Placement) null));
    registry.setOffline(List.of(1L), false);

    // A has one slot and its request is still running: it must not get a second
    assertThat(scheduler.place(request(), dispatcher.fleet()), is((Placement) null));
    held.release();
    assertThat(scheduler.place(request(), dispatcher.fleet()).prefill(), is(A));
  }

  /** The ids of the instances {@code n} placements (each released at once) went to. */
  private Set<Long> placedOn(int n) throws Exception {
    Set<Long> ids = new HashSet<>();
    for (int r = 0; r < n; r++) {
      Placement p = dispatcher.place(request(), scheduler, 0);
      ids.add(p.prefill().id());
      p.release();
    }
    return ids;
  }

  private void awaitWaiting(int n) throws InterruptedException {
    assertThat(Eventually.poll(dispatcher::waiting, w -> w == n, WITHIN), is(n));
  }
}
