package io.mscoordinator.cluster;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.StringReader;

/** Refresh bodies for tests, starting from the management document's own example. */
public final class Refreshes {
  /** The request example of the document's refresh section, verbatim. */
  public static final String DOCUMENT_EXAMPLE =
      """
      {
          "ids": [
              0,1
          ],
          "instances": [
              {
                  "id": 0,
                  "ip": "0.0.0.0",
                  "port": "1025",
                  "metric_port": "1026",
                  "model_name": "your_model_name",
                  "static_info": {
                      "group_id": 0,
                      "max_seq_len": 2048,
                      "max_output_len": 512,
                      "total_slots_num": 200,
                      "total_block_num": 1024,
                      "block_size": 128,
                      "label": 2,
                      "role": 80
                  },
                  "dynamic_info": {
                      "avail_slots_num": 200,
                      "avail_block_num": 1024
                  }
              },
              {
                  "id": 1,
                  "ip": "0.0.0.0",
                  "port": "1025",
                  "metric_port": "1026",
                  "model_name": "your_model_name",
                  "static_info": {
                      "group_id": 0,
                      "max_seq_len": 2048,
                      "max_output_len": 512,
                      "total_slots_num": 200,
                      "total_block_num": 1024,
                      "block_size": 128,
                      "label": 3,
                      "role": 68
                  },
                  "dynamic_info": {
                      "avail_slots_num": 200,
                      "avail_block_num": 1024,
                      "peers": [
                          0
                      ]
                  }
              }
          ]
      }
      """;

  private Refreshes() {}

  public static JsonObject documentExample() {
    return Json.createReader(new StringReader(DOCUMENT_EXAMPLE)).readObject();
  }

  /** One instance entry; decode instances get peers {@code [0]}. */
  public static JsonObject instance(long id, int role, String model, int metricPort) {
    JsonObjectBuilder dynamic =
        Json.createObjectBuilder().add("avail_slots_num", 100).add("avail_block_num", 512);
    if (role == 68) {
      dynamic.add("peers", Json.createArrayBuilder().add(0));
    }
    return Json.createObjectBuilder()
        .add("id", id)
        .add("ip", "127.0.0.1")
        .add("port", "2025")
        .add("metric_port", Integer.toString(metricPort))
        .add("model_name", model)
        .add(
            "static_info",
            Json.createObjectBuilder()
                .add("group_id", 0)
                .add("max_seq_len", 4096)
                .add("max_output_len", 1024)
                .add("total_slots_num", 200)
                .add("total_block_num", 1024)
                .add("block_size", 128)
                .add("label", role == 68 ? 3 : 2)
                .add("role", role))
        .add("dynamic_info", dynamic)
        .build();
  }

  /** A body listing exactly {@code instances}. */
  public static String body(JsonObject... instances) {
    JsonArrayBuilder ids = Json.createArrayBuilder();
    JsonArrayBuilder list = Json.createArrayBuilder();
    for (JsonObject instance : instances) {
      ids.add(instance.getJsonNumber("id"));
      list.add(instance);
    }
    return Json.createObjectBuilder().add("ids", ids).add("instances", list).build().toString();
  }
}
