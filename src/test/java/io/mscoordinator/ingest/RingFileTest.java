package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RingFileTest {
  private static final int CAPACITY = RecordDescriptor.MIN_RING_CAPACITY;

  @TempDir Path dir;

  @Test
  void shouldReuseAnExistingFileWithTheRecordsStillInIt() {
    Path path = dir.resolve("r.ring");
    RingFile created = RingFile.openForConsumer(path, CAPACITY);
    RingFileProducer producer = RingFileProducer.open(path);
    long h = producer.registerSeries("c", MetricKind.COUNTER, MetricUnit.NONE);
    producer.counterAdd(h, 41);
    assertThat(created.reused(), is(false));
    created.releaseConsumer(); // the first coordinator stops

    // A different configured capacity does not destroy the file: its own capacity wins.
    RingFile reused = RingFile.openForConsumer(path, CAPACITY * 2);
    assertThat(reused.reused(), is(true));
    assertThat(reused.ring().capacity(), is(CAPACITY));
    List<Integer> types = new ArrayList<>();
    reused.ring().read((type, buffer, index, length) -> types.add(type));
    assertThat(
        types,
        is(List.of(RecordDescriptor.REGISTER_TYPE_ID, RecordDescriptor.COUNTER_ADD_TYPE_ID)));
  }

  @Test
  void shouldCreateTheRingFileOwnerOnly() throws Exception {
    Path path = dir.resolve("private.ring");
    RingFile.openForConsumer(path, CAPACITY).releaseConsumer();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)), is("rw-------"));
  }

  @Test
  void shouldNarrowAReusedRingFileToOwnerOnly() throws Exception {
    Path path = dir.resolve("wide.ring");
    RingFile.openForConsumer(path, CAPACITY).releaseConsumer();
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));

    RingFile.openForConsumer(path, CAPACITY).releaseConsumer();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)), is("rw-------"));
  }

  @Test
  void shouldRefuseSecondConsumerWhileTheFirstHoldsTheFile() {
    Path path = dir.resolve("held.ring");
    RingFile first = RingFile.openForConsumer(path, CAPACITY);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> RingFile.openForConsumer(path, CAPACITY));

    assertThat(e.getMessage(), containsString("ring file in use by another coordinator"));
    first.releaseConsumer();
    assertThat(RingFile.openForConsumer(path, CAPACITY).reused(), is(true));
  }

  @Test
  void shouldRefuseAndLeaveAloneAFileOfAnotherLayout() throws Exception {
    Path path = dir.resolve("foreign.ring");
    byte[] foreign = new byte[8192];
    foreign[0] = 'X';
    foreign[8] = 1; // a version, so it does not look half created
    Files.write(path, foreign);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> RingFile.openForConsumer(path, CAPACITY));
    assertThat(e.getMessage(), containsString("not a ring file of this layout"));
    assertThat(Files.readAllBytes(path), is(foreign));
  }

  @Test
  void shouldReplaceAFileWhoseCreatorDiedBeforePublishingTheVersion() throws Exception {
    Path path = dir.resolve("half.ring");
    Files.write(path, new byte[8192]);
    RingFile file = RingFile.openForConsumer(path, CAPACITY);
    assertThat(file.reused(), is(false));
    assertThat(file.ring().capacity(), is(CAPACITY));
  }

  @Test
  void shouldRefuseAProducerBeforeTheFileExists() {
    assertThrows(
        IllegalStateException.class, () -> RingFileProducer.open(dir.resolve("missing.ring")));
  }
}
