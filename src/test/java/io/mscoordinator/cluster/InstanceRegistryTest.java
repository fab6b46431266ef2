package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InstanceRegistryTest {
  private final InstanceRegistry registry = new InstanceRegistry();

  private static Instance instance(long id, Role role, String model) {
    return new Instance(
        id,
        "127.0.0.1",
        2000,
        3000,
        model,
        0,
        4096,
        1024,
        200,
        1024,
        128,
        role == Role.DECODE ? 3 : 2,
        role,
        200,
        1024,
        role == Role.DECODE ? List.of(0L) : List.of());
  }

  @Test
  void shouldAddUpdateAndRemoveAsFullSnapshot() {
    registry.refresh(List.of(instance(1, Role.PREFILL, "a"), instance(2, Role.DECODE, "a")));

    InstanceRegistry.RefreshResult result =
        registry.refresh(List.of(instance(2, Role.DECODE, "b"), instance(3, Role.PREFILL, "a")));

    assertThat(result, is(new InstanceRegistry.RefreshResult(1, 1, 1)));
    ClusterView view = registry.view();
    assertThat(view.instances().stream().map(Instance::id).toList(), is(List.of(2L, 3L)));
    assertThat(view.instance(2).orElseThrow().modelName(), is("b"));
  }

  @Test
  void shouldKeepOfflineMarkAcrossUpdate() {
    registry.refresh(List.of(instance(1, Role.PREFILL, "a")));
    registry.setOffline(List.of(1L), true);

    registry.refresh(List.of(instance(1, Role.PREFILL, "a2")));

    assertThat(registry.view().online(1), is(false));
  }

  @Test
  void shouldTreatRoleChangeAsRemoveAndAddWhichComesBackOnline() {
    registry.refresh(List.of(instance(1, Role.PREFILL, "a")));
    registry.setOffline(List.of(1L), true);

    InstanceRegistry.RefreshResult result =
        registry.refresh(List.of(instance(1, Role.DECODE, "a")));

    assertThat(result, is(new InstanceRegistry.RefreshResult(1, 0, 1)));
    assertThat(registry.view().online(1), is(true));
  }

  @Test
  void shouldForgetOfflineMarkOfRemovedInstance() {
    registry.refresh(List.of(instance(1, Role.PREFILL, "a")));
    registry.setOffline(List.of(1L), true);
    registry.refresh(List.of());

    registry.refresh(List.of(instance(1, Role.PREFILL, "a")));

    assertThat(registry.view().offline(), is(Set.of()));
  }

  @Test
  void shouldRefuseOfflineBeforeFirstRefresh() {
    assertThat(registry.setOffline(List.of(1L), true), is(false));
    assertThat(registry.view().generation(), is(0L));
  }

  @Test
  void shouldTellListenersOfEveryNewView() {
    List<Long> generations = new ArrayList<>();
    registry.addListener(view -> generations.add(view.generation()));

    registry.refresh(List.of(instance(1, Role.PREFILL, "a")));
    registry.setOffline(List.of(1L), true);
    registry.setOffline(List.of(1L), true);

    assertThat(generations, is(List.of(1L, 2L)));
  }

  /**
   * Two controllers alternate between two memberships while readers check every view they see is
   * one of the two, never a mix.
   */
  @Test
  void shouldNeverShowHalfAppliedRefreshToConcurrentReaders() throws Exception {
    List<Instance> small = new ArrayList<>();
    List<Instance> large = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      small.add(instance(i, Role.PREFILL, "small"));
      large.add(instance(i, Role.PREFILL, "large"));
    }
    for (int i = 200; i < 600; i++) {
      large.add(instance(i, Role.DECODE, "large"));
    }
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            pool.submit(
                () -> {
                  int checked = 0;
                  while (running.get()) {
                    ClusterView view = registry.view();
                    List<Instance> seen = view.instances();
                    if (seen.isEmpty()) {
                      continue;
                    }
                    String model = seen.get(0).modelName();
                    int expected = model.equals("small") ? 200 : 600;
                    if (seen.size() != expected
                        || !seen.stream().allMatch(i -> i.modelName().equals(model))) {
                      throw new AssertionError("mixed view: size=" + seen.size());
                    }
                    checked++;
                  }
                  return checked;
                }));
      }
      List<Future<?>> writers = new ArrayList<>();
      for (List<Instance> membership : List.of(small, large)) {
        writers.add(
            pool.submit(
                () -> {
                  for (int n = 0; n < 2000; n++) {
                    registry.refresh(membership);
                  }
                }));
      }
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      running.set(false);
      for (Future<Integer> reader : readers) {
        assertThat(reader.get(10, TimeUnit.SECONDS) > 0, is(true));
      }
      assertThat(registry.view().generation(), is(4000L));
    } finally {
      running.set(false);
      pool.shutdownNow();
    }
  }
}
