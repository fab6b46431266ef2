package io.mscoordinator.cluster;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The instance registry the controller keeps in sync.
 *
 * <p>Threadsafe. Writers ({@link #refresh}, {@link #setOffline}) serialise on one lock, build a new
 * {@link ClusterView} and publish it through a volatile field; readers take {@link #view()} without
 * locking and always see a whole view.
 */
public final class InstanceRegistry {
  private final Object writeLock = new Object();
  private final List<Consumer<ClusterView>> listeners = new CopyOnWriteArrayList<>();
  private volatile ClusterView view = ClusterView.EMPTY;

  /** What a refresh changed. */
  public record RefreshResult(int added, int updated, int removed) {}

  /** The current view; never null. */
  public ClusterView view() {
    return view;
  }

  /**
   * Calls {@code listener} with every new view, on the writing thread, after it is published.
   * Listeners must be quick and must not call back into the registry's writers.
   */
  public void addListener(Consumer<ClusterView> listener) {
    listeners.add(listener);
  }

  /**
   * Replaces the membership with {@code desired}, which the caller has validated. Instances missing
   * from it are removed, new ones added, known ones updated; an instance whose role changed is
   * removed and added again, so it comes back online.
   */
  public RefreshResult refresh(List<Instance> desired) {
    synchronized (writeLock) {
      ClusterView before = view;
      Map<Long, Instance> next = new LinkedHashMap<>();
      Set<Long> offline = new HashSet<>();
      int added = 0;
      int updated = 0;
      for (Instance instance : desired) {
        next.put(instance.id(), instance);
        Instance known = before.instanceMap().get(instance.id());
        if (known == null || known.role() != instance.role()) {
          added++;
        } else {
          updated++;
          if (before.offline().contains(instance.id())) {
            offline.add(instance.id());
          }
        }
      }
      int removed = before.instanceMap().size() - updated;
      publish(new ClusterView(before.generation() + 1, true, next, offline));
      return new RefreshResult(added, updated, removed);
    }
  }

  /**
   * Marks registered instances offline (or online again). Ids that are not registered are ignored:
   * the controller may race a refresh that removed them.
   *
   * @return false, changing nothing, when no refresh has succeeded yet
   */
  public boolean setOffline(Collection<Long> ids, boolean offline) {
    synchronized (writeLock) {
      ClusterView before = view;
      if (!before.refreshed()) {
        return false;
      }
      Set<Long> next = new HashSet<>(before.offline());
      for (Long id : ids) {
        if (!before.instanceMap().containsKey(id)) {
          continue;
        }
        if (offline) {
          next.add(id);
        } else {
          next.remove(id);
        }
      }
      if (!next.equals(before.offline())) {
        publish(
            new ClusterView(before.generation() + 1, true, before.instanceMap(), Set.copyOf(next)));
      }
      return true;
    }
  }

  private void publish(ClusterView next) {
    view = next;
    for (Consumer<ClusterView> listener : listeners) {
      listener.accept(next);
    }
  }
}
