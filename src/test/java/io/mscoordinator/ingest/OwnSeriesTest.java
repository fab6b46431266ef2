package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's own series ({@code ms_coordinator_*}): registered through the in-process
 * producer's {@link MetricsProducer#registerOwn} only, never through a plain registration or a
 * record forged into the ring file. The agent runs on the test thread.
 */
class OwnSeriesTest {
  private static final String NAME = "ms_coordinator_e2e_request_latency_seconds";
  private static final String HELP = "Arrival to the last byte written.";

  @TempDir Path dir;

  private final IngestCounters counters = new IngestCounters();
  private RingFile file;
  private IngestAgent agent;
  private MetricsProducer producer;

  @BeforeEach
  void start() {
    ManyToOneRingBuffer inProcess =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                ByteBuffer.allocateDirect(
                    RecordDescriptor.MIN_RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    file = RingFile.openForConsumer(dir.resolve("own.ring"), RecordDescriptor.MIN_RING_CAPACITY);
    agent = new IngestAgent(new SeriesStore(100, Map.of()), counters, inProcess, file);
    agent.onStart();
    producer = new MetricsProducer(inProcess);
  }

  @AfterEach
  void stop() {
    agent.onClose();
    file.releaseConsumer();
  }

  private MetricsSnapshot snapshot() throws Exception {
    var future = agent.requestSnapshot();
    agent.doWork();
    return future.get(5, TimeUnit.SECONDS);
  }

  @Test
  void shouldServeOwnSeriesInTheViewTheyWereRegisteredFor() throws Exception {
    long model =
        producer.registerOwn(
            NAME, MetricKind.HISTOGRAM, MetricUnit.SECONDS, null, HELP, false, "model_name", "m");
    long instance =
        producer.registerOwn(
            NAME,
            MetricKind.HISTOGRAM,
            MetricUnit.SECONDS,
            null,
            HELP,
            true,
            "model_name",
            "m",
            "instance_id",
            "7",
            "role",
            "decode");
    for (long nanos = 1_000; nanos <= 3_000; nanos += 1_000) {
      assertThat(producer.histogramRecord(model, nanos), is(true));
      assertThat(producer.histogramRecord(instance, nanos), is(true));
    }

    MetricsSnapshot snapshot = snapshot();
    FamilySnapshot cluster = snapshot.family(NAME);
    FamilySnapshot perInstance = snapshot.instanceFamily(NAME);
    assertThat(cluster.size(), is(1));
    assertThat(cluster.labelValue(0, "instance_id"), is(nullValue()));
    assertThat(cluster.help(), is(HELP));
    assertThat(cluster.unit(), is(MetricUnit.SECONDS));
    assertThat(snapshot.histogramSum(cluster.slot(0)), is(6_000L));
    assertThat(perInstance.size(), is(1));
    assertThat(perInstance.labelValue(0, "instance_id"), is("7"));
    assertThat(perInstance.labelValue(0, "role"), is("decode"));
    assertThat(perInstance.help(), is(HELP));
    assertThat(snapshot.histogram(perInstance.slot(0)).getTotalCount(), is(3L));
    assertThat(snapshot.instanceFamilies().size(), is(1));
    assertThat(counters.refused(RefusalReason.INVALID), is(0L));
  }

  @Test
  void shouldRefuseAnOwnRegistrationForgedIntoTheRingFile() throws Exception {
    long handle = 42;
    UnsafeBuffer forged =
        RecordEncoder.encodeOwnRegister(
            handle,
            NAME,
            MetricKind.HISTOGRAM,
            MetricUnit.SECONDS,
            new String[] {"model_name", "m"},
            null,
            HELP,
            RecordDescriptor.VIEW_CLUSTER);
    assertThat(RecordEncoder.offerOwnRegister(file.ring(), forged), is(true));
    assertThat(
        RecordEncoder.offerEvent(
            file.ring(), RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, handle, 1_000),
        is(true));

    MetricsSnapshot snapshot = snapshot();
    assertThat(snapshot.family(NAME), is(nullValue()));
    assertThat(snapshot.seriesCount(), is(0));
    assertThat(counters.refused(RefusalReason.INVALID), is(1L));
    assertThat(counters.drops(Transport.FILE, DropReason.REFUSED_SERIES), is(1L));
  }

  @Test
  void shouldRefuseTheReservedPrefixInAPlainRegistrationFromEitherRing() throws Exception {
    long inProcess = producer.registerSeries(NAME, MetricKind.HISTOGRAM, MetricUnit.SECONDS);
    assertThat(producer.histogramRecord(inProcess, 1_000), is(true));
    RingFileProducer writer = RingFileProducer.open(file.path());
    long fromFile =
        writer.registerSeries(
            "ms_coordinator_requests_in_flight", MetricKind.GAUGE, MetricUnit.NONE);
    assertThat(writer.gaugeSet(fromFile, 999), is(true));

    MetricsSnapshot snapshot = snapshot();
    assertThat(snapshot.seriesCount(), is(0));
    assertThat(counters.refused(RefusalReason.INVALID), is(2L));
    assertThat(counters.drops(Transport.IN_PROCESS, DropReason.REFUSED_SERIES), is(1L));
    assertThat(counters.drops(Transport.FILE, DropReason.REFUSED_SERIES), is(1L));
  }

  @Test
  void shouldRefuseAnOwnRegistrationWithoutThePrefixBeforeWritingIt() {
    assertThat(
        producer.registerOwn(
            "engine_latency_seconds", MetricKind.HISTOGRAM, MetricUnit.SECONDS, null, HELP, false),
        is(MetricsProducer.INVALID));
    assertThat(
        producer.registerOwn(
            NAME, MetricKind.HISTOGRAM, MetricUnit.SECONDS, null, "x".repeat(1025), false),
        is(MetricsProducer.INVALID));
  }

  @Test
  void shouldRefuseAFamilyOfAnotherKindInTheOtherView() throws Exception {
    producer.registerOwn(NAME, MetricKind.HISTOGRAM, MetricUnit.SECONDS, null, HELP, false);
    producer.registerOwn(
        NAME, MetricKind.GAUGE, MetricUnit.SECONDS, null, HELP, true, "instance_id", "1");

    MetricsSnapshot snapshot = snapshot();
    assertThat(snapshot.family(NAME), is(notNullValue()));
    assertThat(snapshot.instanceFamily(NAME), is(nullValue()));
    assertThat(counters.refused(RefusalReason.CONFLICT), is(1L));
  }
}
