package io.mscoordinator.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeriesStoreTest {
  private final SeriesStore store = new SeriesStore(5, Map.of());

  private int register(String name, MetricKind kind, String... pairs) {
    return store.register(name, kind, MetricUnit.NONE, pairs);
  }

  @Test
  void shouldInternTheSameSeriesOnceWhateverTheLabelOrder() {
    int a = register("forward_req_total_num", MetricKind.COUNTER, "a", "1", "b", "2");
    int b = register("forward_req_total_num", MetricKind.COUNTER, "b", "2", "a", "1");
    assertThat(a, is(b));
    assertThat(store.size(), is(1));
  }

  @Test
  void shouldRefuseNewSeriesPastTheLimitButKeepServingKnownOnes() {
    for (int i = 0; i < 5; i++) {
      assertThat(register("g", MetricKind.GAUGE, "i", "" + i), is(i));
    }
    assertThat(register("g", MetricKind.GAUGE, "i", "5"), is(SeriesStore.REFUSED_LIMIT));
    assertThat(register("other", MetricKind.GAUGE), is(SeriesStore.REFUSED_LIMIT));
    assertThat(register("g", MetricKind.GAUGE, "i", "4"), is(4));
    assertThat(store.freeze().seriesCount(), is(5));
  }

  @Test
  void shouldTurnTheDataParallelSuffixIntoADpIdxLabel() {
    int dp3 = register("batch_scheduler_waiting_size_3", MetricKind.HISTOGRAM, "instance", "x");
    int plain = register("batch_scheduler_waiting_size", MetricKind.HISTOGRAM, "instance", "x");
    FamilySnapshot family = store.freeze().family("batch_scheduler_waiting_size");
    assertThat(family.size(), is(2));
    assertThat(dp3, not(plain));
    assertThat(family.labelValue(0, "dp_idx"), is("3"));
    assertThat(family.labelValue(1, "dp_idx"), is((String) null));
    assertThat(family.unit(), is(MetricUnit.COUNT));
  }

  @Test
  void shouldRefuseACatalogNameReportedAsAnotherKind() {
    assertThat(
        register("time_to_first_token_us", MetricKind.COUNTER), is(SeriesStore.REFUSED_CONFLICT));
  }

  @Test
  void shouldAcceptUnknownNamesAsTheirReportedKindWithUnitFromTheSuffix() {
    register("my_engine_queue_ms", MetricKind.HISTOGRAM);
    register("my_engine_requests_total", MetricKind.COUNTER);
    MetricsSnapshot s = store.freeze();
    assertThat(s.family("my_engine_queue_ms").unit(), is(MetricUnit.MILLISECONDS));
    assertThat(s.family("my_engine_requests").kind(), is(MetricKind.COUNTER));
  }

  @Test
  void shouldRefuseNamesThatCollideWithAnotherFamilysSamples() {
    register("lat_us", MetricKind.HISTOGRAM);
    assertThat(register("lat_us_count", MetricKind.GAUGE), is(SeriesStore.REFUSED_CONFLICT));
    assertThat(register("lat_us_quantiles", MetricKind.GAUGE), is(SeriesStore.REFUSED_CONFLICT));
    assertThat(register("lat_us", MetricKind.GAUGE), is(SeriesStore.REFUSED_CONFLICT));
  }

  @Test
  void shouldRefuseBadNamesAndLabels() {
    assertThat(register("1abc", MetricKind.GAUGE), is(SeriesStore.REFUSED_INVALID));
    assertThat(register("a-b", MetricKind.GAUGE), is(SeriesStore.REFUSED_INVALID));
    assertThat(register("g", MetricKind.GAUGE, "__x", "v"), is(SeriesStore.REFUSED_INVALID));
    assertThat(
        register("g", MetricKind.GAUGE, "a", "1", "a", "2"), is(SeriesStore.REFUSED_INVALID));
    assertThat(register("h", MetricKind.HISTOGRAM, "le", "1"), is(SeriesStore.REFUSED_INVALID));
    assertThat(
        register("ms_coordinator_series", MetricKind.GAUGE), is(SeriesStore.REFUSED_INVALID));
  }

  @Test
  void shouldRejectEventsOfTheWrongKindOrOutOfRange() {
    int c = register("c", MetricKind.COUNTER);
    int h = register("h", MetricKind.HISTOGRAM);
    assertThat(store.counterAdd(c, -1), is(false));
    assertThat(store.histogramRecord(c, 1), is(false));
    assertThat(store.histogramRecord(h, -1), is(false));
    assertThat(store.histogramRecord(h, SeriesStore.MAX_SAMPLE + 1), is(false));
    assertThat(store.counterAdd(99, 1), is(false));
    assertThat(store.histogramRecord(h, SeriesStore.MAX_SAMPLE), is(true));
  }

  @Test
  void shouldKeepASnapshotUnchangedWhileTheStoreMovesOn() {
    int c = register("c", MetricKind.COUNTER);
    int h = register("h", MetricKind.HISTOGRAM);
    store.counterAdd(c, 5);
    store.histogramRecord(h, 10);
    MetricsSnapshot before = store.freeze();
    store.counterAdd(c, 5);
    store.histogramRecord(h, 20);
    register("c2", MetricKind.COUNTER);
    MetricsSnapshot after = store.freeze();
    assertThat(before.counter(c), is(5L));
    assertThat(before.histogram(h).getTotalCount(), is(1L));
    assertThat(before.histogramSum(h), is(10L));
    assertThat(before.families().size(), is(2));
    assertThat(after.counter(c), is(10L));
    assertThat(after.histogram(h).getTotalCount(), is(2L));
    assertThat(after.families().size(), is(3));
  }

  @Test
  void shouldShareUnchangedHistogramCopiesAndSnapshotsBetweenFreezes() {
    int a = register("a", MetricKind.HISTOGRAM);
    int b = register("b", MetricKind.HISTOGRAM);
    store.histogramRecord(a, 1);
    store.histogramRecord(b, 1);
    MetricsSnapshot first = store.freeze();
    assertThat(store.freeze(), sameInstance(first));
    store.histogramRecord(a, 2);
    MetricsSnapshot second = store.freeze();
    assertThat(second.histogram(b), sameInstance(first.histogram(b)));
    assertThat(second.histogram(a), not(sameInstance(first.histogram(a))));
  }

  @Test
  void shouldFindTheSameBucketAsALinearScanForEveryBoundCount() {
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n <= 70; n++) {
      long[] uppers = new long[n];
      long at = -1;
      for (int b = 0; b < n; b++) {
        at += random.nextInt(3) == 0 ? 0 : 1 + random.nextLong(1_000);
        uppers[b] = at;
      }
      if (n > 2) {
        uppers[n - 1] = Long.MAX_VALUE;
      }
      long[] padded = SeriesStore.searchable(uppers);
      for (int k = 0; k < 2_000; k++) {
        long value = k < n ? Math.max(0, uppers[k]) : random.nextLong(Math.max(1, at + 2) + 1_000);
        int expected = 0;
        while (expected < n && uppers[expected] < value) {
          expected++;
        }
        assertThat("n=" + n + " value=" + value, SeriesStore.bucketOf(padded, value), is(expected));
      }
    }
  }

  @Test
  void shouldRefuseReservedNamesInAPlainRegistrationAndRequireThemInAnOwnOne() {
    String[] labels = {"model_name", "m"};
    assertThat(
        store.register(
            "ms_coordinator_x_seconds", MetricKind.HISTOGRAM, MetricUnit.SECONDS, labels),
        is(SeriesStore.REFUSED_INVALID));
    assertThat(
        store.registerOwn(
            "x_seconds", MetricKind.HISTOGRAM, MetricUnit.SECONDS, labels, null, "X.", false),
        is(SeriesStore.REFUSED_INVALID));
    assertThat(store.size(), is(0));
  }

  @Test
  void shouldKeepTheSameLabelsInTheTwoViewsAsTwoSeries() {
    String name = "ms_coordinator_x_seconds";
    String[] labels = {"instance_id", "1"};
    int cluster =
        store.registerOwn(
            name, MetricKind.HISTOGRAM, MetricUnit.SECONDS, labels, null, "X.", false);
    int instance =
        store.registerOwn(name, MetricKind.HISTOGRAM, MetricUnit.SECONDS, labels, null, "X.", true);
    assertThat(cluster, not(instance));
    store.histogramRecord(instance, 5);

    MetricsSnapshot snapshot = store.freeze();
    assertThat(snapshot.family(name).slot(0), is(cluster));
    assertThat(snapshot.instanceFamily(name).slot(0), is(instance));
    assertThat(snapshot.histogram(cluster).getTotalCount(), is(0L));
    assertThat(snapshot.histogram(instance).getTotalCount(), is(1L));
    assertThat(
        store.registerOwn(name, MetricKind.HISTOGRAM, MetricUnit.SECONDS, labels, null, "X.", true),
        is(instance));
  }
}
