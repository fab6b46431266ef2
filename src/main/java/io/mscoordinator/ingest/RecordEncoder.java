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

  /**
   * Claims, fills and commits a bucket add record. Allocation-free; never blocks.
   *
   * @return false when the ring is full
   */
  static boolean offerBucketAdd(
      RingBuffer ring, long handle, long[] deltas, double sum, long count) {
    int index = ring.tryClaim(BUCKET_ADD_TYPE_ID, bucketAddLength(deltas.length));
    if (index < 0) {
      return false;
    }
    AtomicBuffer buffer = ring.buffer();
    buffer.putLong(index + HANDLE_OFFSET, handle);
    buffer.putLong(index + BUCKET_COUNT_OFFSET, count);
    buffer.putDouble(index + BUCKET_SUM_OFFSET, sum);
    buffer.putInt(index + BUCKET_LENGTH_OFFSET, deltas.length);
    buffer.putInt(index + BUCKET_LENGTH_OFFSET + Integer.BYTES, 0);
    int at = index + BUCKET_DELTAS_OFFSET;
    for (long d : deltas) {
      buffer.putLong(at, d);
      at += Long.BYTES;
    }
    ring.commit(index);
    return true;
  }

  /** Offers an encoded register record; false when the ring is full. */
  static boolean offerRegister(RingBuffer ring, UnsafeBuffer record) {
    return ring.write(REGISTER_TYPE_ID, record, 0, record.capacity());
  }

  /** Offers an encoded own register record ({@link #encodeOwnRegister}); false when full. */
  static boolean offerOwnRegister(RingBuffer ring, UnsafeBuffer record) {
    return ring.write(REGISTER_OWN_TYPE_ID, record, 0, record.capacity());
  }

  /** Encodes a register record of a kind without bounds. */
  static UnsafeBuffer encodeRegister(
      long handle, String name, MetricKind kind, MetricUnit unit, String[] labelPairs) {
    return encodeRegister(handle, name, kind, unit, labelPairs, null);
  }

  /**
   * Encodes a register record.
   *
   * @param bounds the bounds of a {@code BUCKETED_HISTOGRAM}; {@code null} for every other kind
   * @return the record, or {@code null} when a field breaks a limit of {@link RecordDescriptor}
   */
  static UnsafeBuffer encodeRegister(
      long handle,
      String name,
      MetricKind kind,
      MetricUnit unit,
      String[] labelPairs,
      double[] bounds) {
    return encode(handle, name, kind, unit, labelPairs, bounds, null, 0);
  }

  /**
   * Encodes an own register record: a register record, then the view and the HELP text.
   *
   * @param view {@link RecordDescriptor#VIEW_CLUSTER} or {@link RecordDescriptor#VIEW_INSTANCE}
   * @return the record, or {@code null} when a field breaks a limit of {@link RecordDescriptor}
   */
  static UnsafeBuffer encodeOwnRegister(
      long handle,
      String name,
      MetricKind kind,
      MetricUnit unit,
      String[] labelPairs,
      double[] bounds,
      String help,
      int view) {
    if (help == null || view != VIEW_CLUSTER && view != VIEW_INSTANCE) {
      return null;
    }
    return encode(handle, name, kind, unit, labelPairs, bounds, help, view);
  }

  /** A register record; an own one when {@code help} is not null. */
  private static UnsafeBuffer encode(
      long handle,
      String name,
      MetricKind kind,
      MetricUnit unit,
      String[] labelPairs,
      double[] bounds,
      String help,
      int view) {
    boolean bucketed = kind == MetricKind.BUCKETED_HISTOGRAM;
    if (bucketed != (bounds != null) || bucketed && bounds.length > MAX_BOUNDS) {
      return null;
    }
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
    if (bucketed) {
      length += Short.BYTES + bounds.length * Double.BYTES;
    }
    byte[] helpBytes = help == null ? null : help.getBytes(StandardCharsets.UTF_8);
    if (helpBytes != null) {
      if (helpBytes.length > MAX_HELP_LENGTH) {
        return null;
      }
      length += Byte.BYTES + Short.BYTES + helpBytes.length;
    }
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
    if (bucketed) {
      record.putShort(at, (short) bounds.length);
      at += Short.BYTES;
      for (double b : bounds) {
        record.putDouble(at, b);
        at += Double.BYTES;
      }
    }
    if (helpBytes != null) {
      record.putByte(at, (byte) view);
      record.putShort(at + Byte.BYTES, (short) helpBytes.length);
      record.putBytes(at + Byte.BYTES + Short.BYTES, helpBytes);
    }
    return record;
  }
}
