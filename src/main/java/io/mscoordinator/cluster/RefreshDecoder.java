package io.mscoordinator.cluster;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a {@code /v1/instances/refresh} body into the desired membership, checking every rule of
 * the management API's table. It reads the whole body before anything is applied, so a body that
 * breaks one rule changes nothing.
 */
final class RefreshDecoder {
  /** The most instances one refresh may carry. */
  static final int MAX_INSTANCES = 4096;

  private static final int MAX_MODEL_NAME = 256;

  private RefreshDecoder() {}

  static List<Instance> decode(JsonObject body) throws InvalidRequestException {
    JsonArray ids = JsonFields.array(body, "ids", "ids", MAX_INSTANCES);
    JsonArray instances = JsonFields.array(body, "instances", "instances", MAX_INSTANCES);
    Set<Long> idSet = new HashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      long id = JsonFields.uint64(ids.get(i), "ids[" + i + "]");
      if (!idSet.add(id)) {
        throw new InvalidRequestException("ids[" + i + "]", "ids are unique");
      }
    }
    List<Instance> desired = new ArrayList<>(instances.size());
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < instances.size(); i++) {
      String path = "instances[" + i + "]";
      JsonValue value = instances.get(i);
      if (value.getValueType() != JsonValue.ValueType.OBJECT) {
        throw new InvalidRequestException(path, "must be an object");
      }
      Instance instance = instance(value.asJsonObject(), path);
      if (!seen.add(instance.id())) {
        throw new InvalidRequestException(path + ".id", "instance ids are unique");
      }
      if (!idSet.contains(instance.id())) {
        throw new InvalidRequestException(path + ".id", "every instance id is listed in ids");
      }
      desired.add(instance);
    }
    if (seen.size() != idSet.size()) {
      throw new InvalidRequestException("ids", "every id has an entry in instances");
    }
    return desired;
  }

  private static Instance instance(JsonObject json, String path) throws InvalidRequestException {
    long id = JsonFields.uint64(json, "id", path + ".id");
    String ip = JsonFields.ip(json, "ip", path + ".ip");
    int port = JsonFields.portString(json, "port", path + ".port");
    int metricPort = JsonFields.portString(json, "metric_port", path + ".metric_port");
    String model = JsonFields.string(json, "model_name", path + ".model_name", MAX_MODEL_NAME);

    String s = path + ".static_info";
    JsonObject info = JsonFields.object(json, "static_info", s);
    long groupId = JsonFields.uint64(info, "group_id", s + ".group_id");
    long maxSeqLen =
        JsonFields.integer(info, "max_seq_len", s + ".max_seq_len", 1, JsonFields.UINT32_MAX);
    if (maxSeqLen < 2) {
      // max_output_len must lie in [1, max_seq_len - 1]; say so on the field the user can fix.
      throw new InvalidRequestException(
          s + ".max_seq_len", "integer in [2," + JsonFields.UINT32_MAX + "] (room for output)");
    }
    long maxOutputLen =
        JsonFields.integer(info, "max_output_len", s + ".max_output_len", 1, maxSeqLen - 1);
    long totalSlots = JsonFields.integer(info, "total_slots_num", s + ".total_slots_num", 1, 5000);
    long totalBlocks =
        JsonFields.integer(
            info, "total_block_num", s + ".total_block_num", 1, JsonFields.UINT32_MAX);
    long blockSize = JsonFields.integer(info, "block_size", s + ".block_size", 1, 128);
    int label = (int) JsonFields.integer(info, "label", s + ".label", 0, JsonFields.UINT32_MAX);
    if (label != 2 && label != 3) {
      throw new InvalidRequestException(s + ".label", "2 (prefill) or 3 (decode)");
    }
    long roleCode = JsonFields.integer(info, "role", s + ".role", 0, JsonFields.UINT32_MAX);
    if (roleCode != 80 && roleCode != 68 && roleCode != 85) {
      throw new InvalidRequestException(s + ".role", "80 (prefill), 68 (decode) or 85 (undef)");
    }
    Role role = Role.ofCode(roleCode);

    String d = path + ".dynamic_info";
    JsonObject dynamic = JsonFields.object(json, "dynamic_info", d);
    long availSlots =
        JsonFields.integer(dynamic, "avail_slots_num", d + ".avail_slots_num", 0, totalSlots);
    long availBlocks =
        JsonFields.integer(dynamic, "avail_block_num", d + ".avail_block_num", 0, totalBlocks);
    List<Long> peers = List.of();
    JsonValue peersValue = dynamic.get("peers");
    boolean hasPeers = peersValue != null && peersValue.getValueType() != JsonValue.ValueType.NULL;
    if (role == Role.DECODE && !hasPeers) {
      throw new InvalidRequestException(d + ".peers", "required for a decode instance (role 68)");
    }
    if (hasPeers) {
      JsonArray array = JsonFields.array(dynamic, "peers", d + ".peers", MAX_INSTANCES);
      List<Long> list = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        list.add(JsonFields.uint64(array.get(i), d + ".peers[" + i + "]"));
      }
      peers = list;
    }
    return new Instance(
        id,
        ip,
        port,
        metricPort,
        model,
        groupId,
        maxSeqLen,
        maxOutputLen,
        totalSlots,
        totalBlocks,
        blockSize,
        label,
        role,
        availSlots,
        availBlocks,
        peers);
  }
}
