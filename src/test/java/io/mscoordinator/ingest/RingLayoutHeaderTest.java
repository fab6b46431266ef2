package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

/** native/include/ms_metrics_ring.h mirrors the Java descriptors: any drift fails here. */
class RingLayoutHeaderTest {
  private static final Path HEADER = Path.of("native/include/ms_metrics_ring.h");
  private static final Pattern DEFINE =
      Pattern.compile("^#define\\s+MS_METRICS_(\\w+)\\s+(0x[0-9A-Fa-f]+|-?\\d+)(ULL)?\\b");

  private static Map<String, Long> defines() throws Exception {
    Map<String, Long> defines = new HashMap<>();
    for (String line : Files.readAllLines(HEADER, StandardCharsets.UTF_8)) {
      Matcher m = DEFINE.matcher(line);
      if (m.find()) {
        String v = m.group(2);
        defines.put(
            m.group(1),
            v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v));
      }
    }
    return defines;
  }

  @Test
  void shouldDefineEveryDescriptorConstantWithTheSameValue() throws Exception {
    Map<String, Long> defines = defines();
    int checked = 0;
    for (Class<?> descriptor : new Class<?>[] {RingFileDescriptor.class, RecordDescriptor.class}) {
      for (Field f : descriptor.getFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Long value = defines.get(f.getName());
        assertThat("header defines MS_METRICS_" + f.getName(), value != null, is(true));
        assertThat(f.getName(), value, is(((Number) f.get(null)).longValue()));
        checked++;
      }
    }
    assertThat(checked > 25, is(true));
  }

  @Test
  void shouldDefineEveryKindAndUnitCode() throws Exception {
    Map<String, Long> defines = defines();
    for (MetricKind k : MetricKind.values()) {
      assertThat(k.name(), defines.get("KIND_" + k.name()), is((long) k.code()));
    }
    for (MetricUnit u : MetricUnit.values()) {
      assertThat(u.name(), defines.get("UNIT_" + u.name()), is((long) u.code()));
    }
  }

  @Test
  void shouldDefineAgronaRingBufferLayoutAsAgronaDoes() throws Exception {
    Map<String, Long> defines = defines();
    Map<String, Long> agrona = new HashMap<>();
    agrona.put("RB_TAIL_POSITION_OFFSET", (long) RingBufferDescriptor.TAIL_POSITION_OFFSET);
    agrona.put(
        "RB_HEAD_CACHE_POSITION_OFFSET", (long) RingBufferDescriptor.HEAD_CACHE_POSITION_OFFSET);
    agrona.put("RB_HEAD_POSITION_OFFSET", (long) RingBufferDescriptor.HEAD_POSITION_OFFSET);
    agrona.put(
        "RB_CORRELATION_COUNTER_OFFSET", (long) RingBufferDescriptor.CORRELATION_COUNTER_OFFSET);
    agrona.put(
        "RB_CONSUMER_HEARTBEAT_OFFSET", (long) RingBufferDescriptor.CONSUMER_HEARTBEAT_OFFSET);
    agrona.put("RB_TRAILER_LENGTH", (long) RingBufferDescriptor.TRAILER_LENGTH);
    agrona.put(
        "RB_LENGTH_OFFSET",
        (long) org.agrona.concurrent.ringbuffer.RecordDescriptor.lengthOffset(0));
    agrona.put(
        "RB_TYPE_OFFSET", (long) org.agrona.concurrent.ringbuffer.RecordDescriptor.typeOffset(0));
    agrona.put(
        "RB_RECORD_HEADER_LENGTH",
        (long) org.agrona.concurrent.ringbuffer.RecordDescriptor.HEADER_LENGTH);
    agrona.put("RB_ALIGNMENT", (long) org.agrona.concurrent.ringbuffer.RecordDescriptor.ALIGNMENT);
    agrona.put("RB_PADDING_MSG_TYPE_ID", (long) ManyToOneRingBuffer.PADDING_MSG_TYPE_ID);
    for (Map.Entry<String, Long> e : agrona.entrySet()) {
      assertThat("MS_METRICS_" + e.getKey(), defines.get(e.getKey()), is(e.getValue()));
    }
  }

  @Test
  void shouldDefineMaxMessageDivisorAsAgronaEnforcesIt() throws Exception {
    long divisor = defines().get("RB_MAX_MESSAGE_DIVISOR");
    int capacity = RecordDescriptor.MIN_RING_CAPACITY;
    ManyToOneRingBuffer ring =
        new ManyToOneRingBuffer(
            new org.agrona.concurrent.UnsafeBuffer(
                new byte[capacity + RingBufferDescriptor.TRAILER_LENGTH]));

    assertThat(ring.maxMsgLength(), is((int) (capacity / divisor)));
  }
}
