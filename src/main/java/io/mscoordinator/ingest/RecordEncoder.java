package io.mscoordinator.ingest;

import static io.mscoordinator.ingest.RecordDescriptor.*;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/** Writes {@link RecordDescriptor} records into a ring. Stateless; safe from any thread. */
final class RecordEncoder {
  private RecordEncoder() {}

  /**
   * Claims, fills and commits a 16-byte event record. Allocation-free; never blocks.
   *
   * @return false when the ring is full
   */
  static boolean offerEvent(RingBuffer ring, int typeId, long handle, long valueBits) {
    int index = ring.tryClaim(typeId, EVENT_LENGTH);
    if (index < 0) {
      return false;
    }
    AtomicBuffer buffer = ring.buffer();
    buffer.putLong(index + HANDLE_OFFSET, handle);
    buffer.putLong(index + VALUE_OFFSET, valueBits);
    ring.commit(index);
    return true;
  }

  /** Offers an encoded register record; false when the ring is full. */
  static boolean offerRegister(RingBuffer ring, UnsafeBuffer record) {
    return ring.write(REGISTER_TYPE_ID, record, 0, record.capacity());
  }

  /**
   * Encodes a register record.
   *
   * @return the record, or {@code null} when a field breaks a limit of {@link RecordDescriptor}
   */
  static UnsafeBuffer encodeRegister(
      long handle, String name, MetricKind kind, MetricUnit unit, String[] labelPairs) {
    if (name == null
        || kind == null
        || unit == null
        || labelPairs == null
        || labelPairs.length % 2 != 0
        || labelPairs.length / 2 > MAX_LABEL_PAIRS) {
      return null;
    }
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_LENGTH) {
      return null;
    }
    byte[][] labels = new byte[labelPairs.length][];
    int[] lengths = new int[labelPairs.length];
    for (int i = 0; i < labelPairs.length; i++) {
      if (labelPairs[i] == null) {
        return null;
      }
      labels[i] = labelPairs[i].getBytes(StandardCharsets.UTF_8);
      lengths[i] = labels[i].length;
      if (lengths[i] > MAX_LABEL_LENGTH) {
        return null;
      }
    }
    int length = registerLength(nameBytes.length, lengths);
    if (length > MAX_REGISTER_LENGTH) {
      return null;
    }
    UnsafeBuffer record = new UnsafeBuffer(new byte[length]);
    record.putLong(HANDLE_OFFSET, handle);
    record.putByte(KIND_OFFSET, (byte) kind.code());
    record.putByte(UNIT_OFFSET, (byte) unit.code());
    record.putShort(LABEL_COUNT_OFFSET, (short) (labelPairs.length / 2));
    record.putShort(NAME_LENGTH_OFFSET, (short) nameBytes.length);
    record.putBytes(NAME_OFFSET, nameBytes);
    int at = NAME_OFFSET + nameBytes.length;
    for (byte[] label : labels) {
      record.putShort(at, (short) label.length);
      record.putBytes(at + 2, label);
      at += 2 + label.length;
    }
    return record;
  }
}
