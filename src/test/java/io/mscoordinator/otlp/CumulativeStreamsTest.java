package io.mscoordinator.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.series.Labels;
import org.junit.jupiter.api.Test;

class CumulativeStreamsTest {
  private static final SeriesKey KEY = new SeriesKey("forward_req_total_num", Labels.EMPTY);
  private static final double[] BOUNDS = {10};

  private final AccumulatingSink sink = new AccumulatingSink(10);
  private final CumulativeStreams streams = new CumulativeStreams(10);

  @Test
  void shouldAddOnlyTheIncreaseOfACumulativeCounter() {
    streams.counter(sink, KEY, 100, 10);
    streams.counter(sink, KEY, 100, 15);

    assertThat(sink.text(), is("forward_req_total_num 15.0\n"));
  }

  @Test
  void shouldNotGoDownWhenStartTimeChanges() {
    streams.counter(sink, KEY, 100, 10);
    streams.counter(sink, KEY, 200, 3);

    assertThat(sink.text(), is("forward_req_total_num 13.0\n"));
  }

  @Test
  void shouldNotGoDownWhenValueDropsWithSameStartTime() {
    streams.counter(sink, KEY, 100, 10);
    streams.counter(sink, KEY, 100, 2);

    assertThat(sink.text(), is("forward_req_total_num 12.0\n"));
  }

  @Test
  void shouldFoldARefusedPointIntoTheNextWhenRingWasFull() {
    OtlpSink fullOnce =
        new OtlpSink() {
          int calls;

          @Override
          public Offer counterAdd(SeriesKey key, double delta) {
            return ++calls == 2 ? Offer.RING_FULL : sink.counterAdd(key, delta);
          }

          @Override
          public Offer gaugeSet(SeriesKey key, double value) {
            return sink.gaugeSet(key, value);
          }

          @Override
          public Offer bucketHistogramAdd(
              SeriesKey key, double[] bounds, long[] counts, double sum, long count) {
            return sink.bucketHistogramAdd(key, bounds, counts, sum, count);
          }
        };
    streams.counter(fullOnce, KEY, 100, 10);
    streams.counter(fullOnce, KEY, 100, 15);
    streams.counter(fullOnce, KEY, 100, 21);

    assertThat(sink.text(), is("forward_req_total_num 21.0\n"));
  }

  @Test
  void shouldTreatAHistogramWhoseCountDroppedAsRestart() {
    SeriesKey h = new SeriesKey("ttft", Labels.EMPTY);
    streams.histogram(sink, h, 100, BOUNDS, new long[] {2, 1}, 30, 3);
    streams.histogram(sink, h, 100, BOUNDS, new long[] {3, 2}, 60, 5);
    streams.histogram(sink, h, 100, BOUNDS, new long[] {1, 0}, 4, 1);

    assertThat(
        sink.text(),
        is(
            "ttft_bucket{le=\"10.0\"} 4\nttft_bucket{le=\"+Inf\"} 6\nttft_sum 64.0\n"
                + "ttft_count 6\n"));
  }

  @Test
  void shouldRefuseNewStreamsPastTheLimit() {
    CumulativeStreams one = new CumulativeStreams(1);
    one.counter(sink, KEY, 100, 1);

    OtlpSink.Offer offer = one.counter(sink, new SeriesKey("other", Labels.EMPTY), 100, 1);

    assertThat(offer, is(OtlpSink.Offer.SERIES_REFUSED));
  }
}
