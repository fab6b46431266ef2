package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the refresh table, broken one at a time on the document's own example, through the
 * controller's routes in memory (the socket is {@link ManagementApiSocketTest}'s): 400 with a JSON
 * error naming the field and the rule, and the registry exactly as the previous good refresh left
 * it.
 */
class RefreshValidationTest {
  private ManageRoutes http;
  private ClusterCapability coordinator;

  @BeforeEach
  void start() {
    http = ManageRoutes.inMemory();
    coordinator = http.cluster();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  @Test
  void shouldAcceptTheDocumentExample() {
    ManageRoutes.Answer response = http.post("/v1/instances/refresh", Refreshes.DOCUMENT_EXAMPLE);

    assertThat(response.statusCode(), is(200));
    assertThat(response.body(), is(""));
    assertThat(response.contentLength().orElse(""), is("0"));
    List<Instance> instances = coordinator.registry().view().instances();
    assertThat(instances.size(), is(2));
    assertThat(instances.get(0).role(), is(Role.PREFILL));
    assertThat(instances.get(1).role(), is(Role.DECODE));
    assertThat(instances.get(1).peers(), is(List.of(0L)));
    assertThat(instances.get(1).metricPort(), is(1026));
  }

  static Stream<Arguments> brokenRules() {
    String i0 = "/instances/0";
    String s1 = "/instances/1/static_info";
    String d1 = "/instances/1/dynamic_info";
    return Stream.of(
        broken("/ids", null, "ids", "required"),
        broken("/ids", Json.createValue("0,1"), "ids", "must be an array"),
        broken("/ids/0", Json.createValue(-1), "ids[0]", "unsigned 64-bit integer"),
        broken(
            "/ids/0",
            Json.createValue(new BigInteger("18446744073709551616")),
            "ids[0]",
            "unsigned 64-bit integer"),
        broken("/ids/0", Json.createValue(0.5), "ids[0]", "unsigned 64-bit integer"),
        broken("/ids/1", Json.createValue(0), "ids[1]", "unique"),
        broken(
            "/ids",
            Json.createArrayBuilder().add(0).add(1).add(2).build(),
            "ids",
            "every id has an entry"),
        broken(
            "/ids", Json.createArrayBuilder().add(0).build(), "instances[1].id", "listed in ids"),
        broken("/instances", null, "instances", "required"),
        broken("/instances/0", Json.createValue("x"), "instances[0]", "must be an object"),
        broken("/instances/1/id", Json.createValue(0), "instances[1].id", "unique"),
        broken(i0 + "/id", Json.createValue("0"), "instances[0].id", "unsigned 64-bit integer"),
        broken(i0 + "/ip", null, "instances[0].ip", "required"),
        broken(i0 + "/ip", Json.createValue("10.0.0.256"), "instances[0].ip", "address literal"),
        broken(i0 + "/ip", Json.createValue("node-1.example"), "instances[0].ip", "literal"),
        broken(i0 + "/port", Json.createValue("1023"), "instances[0].port", "[\"1024\",\"65535\"]"),
        broken(i0 + "/port", Json.createValue("65536"), "instances[0].port", "port string"),
        broken(i0 + "/port", Json.createValue(1025), "instances[0].port", "port string"),
        broken(i0 + "/port", Json.createValue("10 25"), "instances[0].port", "port string"),
        broken(
            i0 + "/metric_port", Json.createValue("80"), "instances[0].metric_port", "port string"),
        broken(i0 + "/metric_port", null, "instances[0].metric_port", "required"),
        broken(i0 + "/model_name", Json.createValue(""), "instances[0].model_name", "1 to 256"),
        broken(i0 + "/model_name", Json.createValue(7), "instances[0].model_name", "string"),
        broken(i0 + "/static_info", null, "instances[0].static_info", "required"),
        broken(i0 + "/static_info", Json.createValue(1), "instances[0].static_info", "object"),
        broken(
            s1 + "/group_id",
            Json.createValue(-1),
            "instances[1].static_info.group_id",
            "unsigned 64-bit integer"),
        broken(
            s1 + "/max_seq_len",
            Json.createValue(0),
            "instances[1].static_info.max_seq_len",
            "integer in [1,4294967295]"),
        broken(
            s1 + "/max_output_len",
            Json.createValue(0),
            "instances[1].static_info.max_output_len",
            "integer in [1,2047]"),
        broken(
            s1 + "/max_output_len",
            Json.createValue(2048),
            "instances[1].static_info.max_output_len",
            "integer in [1,2047]"),
        broken(
            s1 + "/total_slots_num",
            Json.createValue(0),
            "instances[1].static_info.total_slots_num",
            "integer in [1,5000]"),
        broken(
            s1 + "/total_slots_num",
            Json.createValue(5001),
            "instances[1].static_info.total_slots_num",
            "integer in [1,5000]"),
        broken(
            s1 + "/total_block_num",
            Json.createValue(0),
            "instances[1].static_info.total_block_num",
            "integer in [1,4294967295]"),
        broken(
            s1 + "/block_size",
            Json.createValue(0),
            "instances[1].static_info.block_size",
            "integer in [1,128]"),
        broken(
            s1 + "/block_size",
            Json.createValue(129),
            "instances[1].static_info.block_size",
            "integer in [1,128]"),
        broken(
            s1 + "/block_size",
            Json.createValue(64.5),
            "instances[1].static_info.block_size",
            "integer in [1,128]"),
        broken(s1 + "/label", Json.createValue(1), "instances[1].static_info.label", "2 (prefill)"),
        broken(s1 + "/label", null, "instances[1].static_info.label", "required"),
        broken(s1 + "/role", Json.createValue(81), "instances[1].static_info.role", "80 (prefill)"),
        broken(s1 + "/role", Json.createValue("68"), "instances[1].static_info.role", "integer"),
        broken("/instances/1/dynamic_info", null, "instances[1].dynamic_info", "required"),
        broken(
            d1 + "/avail_slots_num",
            Json.createValue(-1),
            "instances[1].dynamic_info.avail_slots_num",
            "integer in [0,200]"),
        broken(
            d1 + "/avail_slots_num",
            Json.createValue(201),
            "instances[1].dynamic_info.avail_slots_num",
            "integer in [0,200]"),
        broken(
            d1 + "/avail_block_num",
            Json.createValue(1025),
            "instances[1].dynamic_info.avail_block_num",
            "integer in [0,1024]"),
        broken(d1 + "/peers", null, "instances[1].dynamic_info.peers", "required for a decode"),
        broken(d1 + "/peers", Json.createValue(0), "instances[1].dynamic_info.peers", "array"),
        broken(
            d1 + "/peers/0",
            Json.createValue("p0"),
            "instances[1].dynamic_info.peers[0]",
            "unsigned 64-bit integer"));
  }

  private static Arguments broken(String pointer, JsonValue value, String field, String rule) {
    return Arguments.of(
        pointer + (value == null ? " removed" : " = " + value), pointer, value, field, rule);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenRules")
  void shouldRefuseBodyThatBreaksRuleAndKeepRegistry(
      String name, String pointer, JsonValue value, String field, String rule) {
    String good = Refreshes.body(Refreshes.instance(7, 80, "kept", 3000));
    assertThat(http.post("/v1/instances/refresh", good).statusCode(), is(200));
    ClusterView before = coordinator.registry().view();

    JsonObject example = Refreshes.documentExample();
    JsonObject bad =
        value == null
            ? Json.createPointer(pointer).remove(example)
            : Json.createPointer(pointer).replace(example, value);
    ManageRoutes.Answer response = http.post("/v1/instances/refresh", bad.toString());

    assertThat(response.statusCode(), is(400));
    JsonObject error = Json.createReader(new StringReader(response.body())).readObject();
    assertThat(error.getString("field"), is(field));
    assertThat(error.getString("rule"), containsString(rule));
    assertThat(coordinator.registry().view(), is(before));
  }

  @Test
  void shouldRefuseMoreThan4096Instances() {
    JsonArrayBuilder ids = Json.createArrayBuilder();
    JsonArrayBuilder instances = Json.createArrayBuilder();
    for (int i = 0; i < 4097; i++) {
      ids.add(i);
      instances.add(Refreshes.instance(i, 85, "m", 3000));
    }
    String body =
        Json.createObjectBuilder().add("ids", ids).add("instances", instances).build().toString();

    ManageRoutes.Answer response = http.post("/v1/instances/refresh", body);

    assertThat(response.statusCode(), is(400));
    assertThat(response.body(), containsString("at most 4096"));
    assertThat(coordinator.registry().view().refreshed(), is(false));
  }

  @Test
  void shouldAccept4096Instances() {
    JsonObject[] instances = new JsonObject[4096];
    for (int i = 0; i < instances.length; i++) {
      instances[i] = Refreshes.instance(i, 85, "m", 3000);
    }

    ManageRoutes.Answer response = http.post("/v1/instances/refresh", Refreshes.body(instances));

    assertThat(response.statusCode(), is(200));
    assertThat(coordinator.registry().view().instances().size(), is(4096));
  }

  @Test
  void shouldIgnoreUnknownFields() {
    JsonObject example = Refreshes.documentExample();
    JsonObject extended =
        Json.createPointer("/instances/0/vendor_extension")
            .add(example, Json.createObjectBuilder().add("x", 1).build());

    assertThat(http.post("/v1/instances/refresh", extended.toString()).statusCode(), is(200));
    assertThat(coordinator.registry().view().instances().size(), is(2));
  }

  @Test
  void shouldAcceptUint64MaxAsId() {
    String max = "18446744073709551615";
    String body =
        Refreshes.body(Refreshes.instance(0, 80, "m", 3000))
            .replace("[0]", "[" + max + "]")
            .replace("\"id\":0", "\"id\":" + max);

    assertThat(http.post("/v1/instances/refresh", body).statusCode(), is(200));
    assertThat(coordinator.registry().view().instances().get(0).idText(), is(max));
  }
}
