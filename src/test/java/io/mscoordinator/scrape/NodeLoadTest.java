package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mscoordinator.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The load figures read from real bodies of each engine (the expected values read by hand from the
 * corpus file, its line named beside each) and from bodies that test the rules: several series, a
 * value out of range, a family of the wrong type.
 */
class NodeLoadTest {
  private static NodeLoad read(byte[] body, boolean openMetrics) throws ParseException {
    List<ParsedFamily> families = new TextParser(100_000).parse(body, body.length, openMetrics);
    ResetCompensator.apply(families); // as the scrape thread does before it publishes
    NodeLoad load = new NodeLoad();
    load.read(families);
    return load;
  }

  private static NodeLoad read(byte[] body) throws ParseException {
    return read(body, false);
  }

  private static NodeLoad read(String body) throws ParseException {
    return read(body.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code body} with its one line {@code line} replaced by {@code replacement}. */
  static byte[] replaced(byte[] body, String line, String replacement) {
    String text = new String(body, StandardCharsets.UTF_8);
    String target = "\n" + line + "\n";
    if (text.indexOf(target) < 0 || text.indexOf(target) != text.lastIndexOf(target)) {
      throw new IllegalArgumentException("line not found once: line=" + line);
    }
    return text.replace(target, "\n" + replacement + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldReadMindieQueueAndCacheUsage() throws ParseException {
    NodeLoad load = read(TestData.mindie("ms_metricsSingleNodeData_3.prom"));

    assertEquals(0.0, load.waiting()); // line 26: num_requests_waiting{model_name="llama_65b"} 0
    assertEquals(0.4, load.cacheUsage()); // line 41: npu_cache_usage_perc{...} 0.4
  }

  @Test
  void shouldReadAFullCacheAsOne() throws ParseException {
    NodeLoad load = read(TestData.mindie("mindie_ms_coordinator_doc_example.prom"));

    assertEquals(0.0, load.waiting()); // line 21: num_requests_waiting{model_name="llama3-8b"} 0
    assertEquals(1.0, load.cacheUsage()); // line 42: npu_cache_usage_perc{...} 1
  }

  @Test
  void shouldFollowMindiesQueueWhenItHoldsRequests() throws ParseException {
    byte[] body =
        replaced(
            TestData.mindie("ms_metricsSingleNodeData_0.prom"),
            "num_requests_waiting{model_name=\"llama_65b\"} 0",
            "num_requests_waiting{model_name=\"llama_65b\"} 17");

    assertEquals(17.0, read(body).waiting());
  }

  @Test
  void shouldReadVllmQueueAndCacheUsage() throws ParseException {
    NodeLoad load = read(TestData.node("vllm.prom"));

    assertEquals(0.0, load.waiting()); // line 49: vllm:num_requests_waiting{...} 0.0
    // line 55: vllm:gpu_cache_usage_perc{...} 0.0, line 185: vllm:kv_cache_usage_perc{...} 0.0
    assertEquals(0.0, load.cacheUsage());
  }

  @Test
  void shouldReadVllmsNewerCacheFamilyWhenItIsTheFuller() throws ParseException {
    byte[] body =
        replaced(
            TestData.node("vllm.prom"),
            "vllm:kv_cache_usage_perc{model_name=\"facebook/opt-125m\"} 0.0",
            "vllm:kv_cache_usage_perc{model_name=\"facebook/opt-125m\"} 0.625");

    assertEquals(0.625, read(body).cacheUsage());
  }

  @Test
  void shouldReadVllmV0QueueAndCacheUsage() throws ParseException {
    NodeLoad load = read(TestData.node("vllm-variants/vllm_v0_aibrix_docs_example.prom"));

    assertEquals(0.0, load.waiting()); // line 17: vllm:num_requests_waiting{...} 0.0
    assertEquals(0.0, load.cacheUsage()); // line 20: vllm:gpu_cache_usage_perc{...} 0.0
  }

  @Test
  void shouldReadSglangQueueAndTokenUsage() throws ParseException {
    NodeLoad load = read(TestData.node("sglang.prom"));

    assertEquals(0.0, load.waiting()); // line 14: sglang:num_queue_reqs{...,tp_rank="0"} 0
    assertEquals(0.25, load.cacheUsage()); // line 20: sglang:token_usage{...,tp_rank="0"} 0.25
  }

  @Test
  void shouldReadTgiQueueAndNoCacheUsage() throws ParseException {
    NodeLoad load = read(TestData.node("tgi.prom"));

    assertEquals(0.0, load.waiting()); // line 33: tgi_queue_size 0
    assertEquals(Double.NaN, load.cacheUsage()); // TGI reports no KV-cache use
  }

  @Test
  void shouldReadLlamacppDeferredRequestsAndNoCacheUsage() throws ParseException {
    NodeLoad load = read(TestData.node("llamacpp.prom"));

    assertEquals(0.0, load.waiting()); // line 28: llamacpp:requests_deferred 0
    // kv_cache_usage_ratio was removed upstream (the file's line 8 says so): not in this body
    assertEquals(Double.NaN, load.cacheUsage());
  }

  @Test
  void shouldReadLlamacppCacheUsageWhenAnOlderBuildReportsIt() throws ParseException {
    byte[] body =
        replaced(
            TestData.node("llamacpp.prom"),
            "llamacpp:requests_deferred 0",
            "llamacpp:requests_deferred 3\n"
                + "# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means 100 percent usage.\n"
                + "# TYPE llamacpp:kv_cache_usage_ratio gauge\n"
                + "llamacpp:kv_cache_usage_ratio 0.5");

    NodeLoad load = read(body);

    assertEquals(3.0, load.waiting());
    assertEquals(0.5, load.cacheUsage());
  }

  @Test
  void shouldSumTritonsPendingRequestsOverItsModels() throws ParseException {
    byte[] real = TestData.node("triton.prom");
    // lines 101-108: nv_inference_pending_request_count, one series per model, all 0
    assertEquals(0.0, read(real).waiting());
    assertEquals(Double.NaN, read(real).cacheUsage()); // Triton reports no KV-cache use

    byte[] busy =
        replaced(
            replaced(
                real,
                "nv_inference_pending_request_count{model=\"densenet_onnx\",version=\"1\"} 0",
                "nv_inference_pending_request_count{model=\"densenet_onnx\",version=\"1\"} 2"),
            "nv_inference_pending_request_count{model=\"simple\",version=\"1\"} 0",
            "nv_inference_pending_request_count{model=\"simple\",version=\"1\"} 5");
    assertEquals(7.0, read(busy).waiting());
  }

  @Test
  void shouldSumTheQueueAndTakeTheFullestCacheWhenABodyHasSeveralSeries() throws ParseException {
    NodeLoad load =
        read(
            "# TYPE sglang:num_queue_reqs gauge\n"
                + "sglang:num_queue_reqs{dp_rank=\"0\"} 3\n"
                + "sglang:num_queue_reqs{dp_rank=\"1\"} 4\n"
                + "# TYPE sglang:token_usage gauge\n"
                + "sglang:token_usage{dp_rank=\"0\"} 0.5\n"
                + "sglang:token_usage{dp_rank=\"1\"} 0.75\n");

    assertEquals(7.0, load.waiting());
    assertEquals(0.75, load.cacheUsage());
  }

  @Test
  void shouldReadUnknownCacheUsageWhenAValueIsAPercent() throws ParseException {
    // one public MindIE sample reports 30 (percent) where its HELP says 1 means 100 percent
    byte[] body =
        replaced(
            TestData.mindie("ms_metricsSingleNodeData_0.prom"),
            "npu_cache_usage_perc{model_name=\"llama_65b\"} 0.1",
            "npu_cache_usage_perc{model_name=\"llama_65b\"} 30");

    NodeLoad load = read(body);

    assertEquals(Double.NaN, load.cacheUsage());
    assertEquals(0.0, load.waiting(), "the other figure stands");
  }

  @Test
  void shouldReadUnknownQueueWhenASeriesIsNegativeOrNotANumber() throws ParseException {
    assertEquals(
        Double.NaN,
        read("# TYPE tgi_queue_size gauge\ntgi_queue_size{a=\"1\"} 2\ntgi_queue_size{a=\"2\"} -1\n")
            .waiting());
    assertEquals(Double.NaN, read("# TYPE tgi_queue_size gauge\ntgi_queue_size NaN\n").waiting());
    assertEquals(Double.NaN, read("# TYPE tgi_queue_size gauge\ntgi_queue_size +Inf\n").waiting());
  }

  @Test
  void shouldReadAnUntypedFamilyButNotACounterOfTheName() throws ParseException {
    assertEquals(2.0, read("tgi_queue_size 2\n").waiting());
    assertEquals(
        Double.NaN,
        read("# TYPE num_requests_waiting counter\nnum_requests_waiting 2\n").waiting());
  }

  @Test
  void shouldReadFiguresFromAnOpenMetricsBody() throws ParseException {
    byte[] body =
        ("# TYPE vllm:num_requests_waiting gauge\n"
                + "vllm:num_requests_waiting{model_name=\"m\"} 6\n"
                + "# TYPE vllm:kv_cache_usage_perc gauge\n"
                + "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.125\n"
                + "# EOF\n")
            .getBytes(StandardCharsets.UTF_8);

    NodeLoad load = read(body, true);

    assertEquals(6.0, load.waiting());
    assertEquals(0.125, load.cacheUsage());
  }

  @Test
  void shouldReadUnknownFiguresWhenTheBodyHasNone() throws ParseException {
    NodeLoad load = read("# TYPE other gauge\nother 1\n");

    assertEquals(Double.NaN, load.waiting());
    assertEquals(Double.NaN, load.cacheUsage());
  }

  @Test
  void shouldForgetEarlierFiguresWhenTheNextBodyLacksThem() throws ParseException {
    List<ParsedFamily> full =
        new TextParser(100).parse("tgi_queue_size 4\n".getBytes(StandardCharsets.UTF_8), 17, false);
    List<ParsedFamily> empty =
        new TextParser(100).parse("other 1\n".getBytes(StandardCharsets.UTF_8), 8, false);
    NodeLoad load = new NodeLoad();

    load.read(full);
    assertEquals(4.0, load.waiting());
    load.read(empty);
    assertEquals(Double.NaN, load.waiting());
    load.read(full);
    load.clear();
    assertEquals(Double.NaN, load.waiting());
  }
}
