package io.mscoordinator.ingest;

import static io.mscoordinator.ingest.RecordDescriptor.*;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Reads a REGISTER record of {@link RecordDescriptor}, checking every length against the record's
 * bounds. Confined to the thread that calls {@link #wrap} (the ingest agent); it allocates the
 * decoded strings, which is fine because registration is rare.
 */
final class RegisterDecoder {
  long handle;
  MetricKind kind;
  MetricUnit unit;
  String name;
  String[] labelPairs;

  /**
   * Decodes the record at {@code index} of {@code length} bytes.
   *
   * @return false when the record is malformed (fields then undefined)
   */
  boolean wrap(DirectBuffer buffer, int index, int length) {
    if (length < NAME_OFFSET || length > MAX_REGISTER_LENGTH) {
      return false;
    }
    handle = buffer.getLong(index + HANDLE_OFFSET);
    kind = MetricKind.fromCode(buffer.getByte(index + KIND_OFFSET));
    unit = MetricUnit.fromCode(buffer.getByte(index + UNIT_OFFSET));
    int pairs = buffer.getShort(index + LABEL_COUNT_OFFSET) & 0xFFFF;
    int nameLength = buffer.getShort(index + NAME_LENGTH_OFFSET) & 0xFFFF;
    if (kind == null || unit == null || pairs > MAX_LABEL_PAIRS) {
      return false;
    }
    int end = index + length;
    int at = index + NAME_OFFSET;
    if (nameLength > MAX_NAME_LENGTH || at + nameLength > end) {
      return false;
    }
    name = buffer.getStringWithoutLengthUtf8(at, nameLength);
    at += nameLength;
    labelPairs = new String[pairs * 2];
    for (int i = 0; i < labelPairs.length; i++) {
      if (at + 2 > end) {
        return false;
      }
      int l = buffer.getShort(at) & 0xFFFF;
      at += 2;
      if (l > MAX_LABEL_LENGTH || at + l > end) {
        return false;
      }
      byte[] bytes = new byte[l];
      buffer.getBytes(at, bytes);
      labelPairs[i] = new String(bytes, StandardCharsets.UTF_8);
      at += l;
    }
    return at == end;
  }
}
