package io.mscoordinator.cluster;

import java.util.List;

/**
 * One inference instance as the last refresh described it. Ids are uint64 on the wire and kept here
 * as the same 64 bits in a {@code long}; print them with {@link Long#toUnsignedString}.
 *
 * @param peers ids of the prefill instances a decode instance is connected to; empty otherwise
 */
public record Instance(
    long id,
    String ip,
    int port,
    int metricPort,
    String modelName,
    long groupId,
    long maxSeqLen,
    long maxOutputLen,
    long totalSlotsNum,
    long totalBlockNum,
    long blockSize,
    int label,
    Role role,
    long availSlotsNum,
    long availBlockNum,
    List<Long> peers) {

  public Instance {
    peers = List.copyOf(peers);
  }

  /** The id as the controller wrote it. */
  public String idText() {
    return Long.toUnsignedString(id);
  }
}
