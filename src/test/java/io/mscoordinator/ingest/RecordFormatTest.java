package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

class RecordFormatTest {
  static ManyToOneRingBuffer ring(int capacity) {
    return new ManyToOneRingBuffer(
        new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
  }

  @Test
  void shouldRoundTripARegisterRecord() {
    long handle = (1234L << 32) | 7;
    UnsafeBuffer record =
        RecordEncoder.encodeRegister(
            handle,
            "time_to_first_token_us",
            MetricKind.HISTOGRAM,
            MetricUnit.MICROSECONDS,
            new String[] {"instance", "节点-1", "model", "llama \"3\""});
    RegisterDecoder decoder = new RegisterDecoder();
    assertThat(decoder.wrap(record, 0, record.capacity()), is(true));
    assertThat(decoder.handle, is(handle));
    assertThat(decoder.name, is("time_to_first_token_us"));
    assertThat(decoder.kind, is(MetricKind.HISTOGRAM));
    assertThat(decoder.unit, is(MetricUnit.MICROSECONDS));
    assertThat(decoder.labelPairs, is(new String[] {"instance", "节点-1", "model", "llama \"3\""}));
  }

  @Test
  void shouldPutTheDocumentedFieldsAtTheDocumentedOffsets() {
    UnsafeBuffer record =
        RecordEncoder.encodeRegister(
            5, "ab", MetricKind.COUNTER, MetricUnit.TOKENS, new String[] {"k", "vv"});
    assertThat(record.capacity(), is(RecordDescriptor.registerLength(2, new int[] {1, 2})));
    assertThat(record.getLong(RecordDescriptor.HANDLE_OFFSET), is(5L));
    assertThat((int) record.getByte(RecordDescriptor.KIND_OFFSET), is(MetricKind.COUNTER.code()));
    assertThat((int) record.getByte(RecordDescriptor.UNIT_OFFSET), is(MetricUnit.TOKENS.code()));
    assertThat((int) record.getShort(RecordDescriptor.LABEL_COUNT_OFFSET), is(1));
    assertThat((int) record.getShort(RecordDescriptor.NAME_LENGTH_OFFSET), is(2));
    assertThat(record.getStringWithoutLengthAscii(RecordDescriptor.NAME_OFFSET, 2), is("ab"));
    assertThat((int) record.getShort(RecordDescriptor.NAME_OFFSET + 2), is(1));
  }

  @Test
  void shouldRejectTruncatedOrInconsistentRegisterRecords() {
    UnsafeBuffer record =
        RecordEncoder.encodeRegister(
            1, "name", MetricKind.GAUGE, MetricUnit.NONE, new String[] {"k", "v"});
    RegisterDecoder decoder = new RegisterDecoder();
    assertThat(decoder.wrap(record, 0, record.capacity() - 1), is(false));
    UnsafeBuffer longer = new UnsafeBuffer(new byte[record.capacity() + 1]);
    longer.putBytes(0, record, 0, record.capacity());
    assertThat(decoder.wrap(longer, 0, longer.capacity()), is(false));
    record.putByte(RecordDescriptor.KIND_OFFSET, (byte) 99);
    assertThat(decoder.wrap(record, 0, record.capacity()), is(false));
  }

  @Test
  void shouldRefuseToEncodeFieldsPastTheLimits() {
    String longName = "n".repeat(RecordDescriptor.MAX_NAME_LENGTH + 1);
    assertThat(
        RecordEncoder.encodeRegister(1, longName, MetricKind.GAUGE, MetricUnit.NONE, new String[0]),
        is(nullValue()));
    assertThat(
        RecordEncoder.encodeRegister(
            1, "x", MetricKind.GAUGE, MetricUnit.NONE, new String[] {"odd"}),
        is(nullValue()));
  }

  @Test
  void shouldRoundTripEventRecordsThroughARing() {
    ManyToOneRingBuffer ring = ring(RecordDescriptor.MIN_RING_CAPACITY);
    RecordEncoder.offerEvent(ring, RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, 11, 123_456_789L);
    RecordEncoder.offerEvent(ring, RecordDescriptor.COUNTER_ADD_TYPE_ID, 12, Long.MAX_VALUE);
    RecordEncoder.offerEvent(
        ring, RecordDescriptor.GAUGE_SET_TYPE_ID, 13, Double.doubleToRawLongBits(-0.25));
    List<String> read = new ArrayList<>();
    ring.read(
        (type, buffer, index, length) ->
            read.add(
                type
                    + ":"
                    + length
                    + ":"
                    + buffer.getLong(index + RecordDescriptor.HANDLE_OFFSET)
                    + ":"
                    + buffer.getLong(index + RecordDescriptor.VALUE_OFFSET)));
    assertThat(
        read,
        is(
            List.of(
                "2:16:11:123456789",
                "3:16:12:" + Long.MAX_VALUE,
                "4:16:13:" + Double.doubleToRawLongBits(-0.25))));
  }
}
