package io.mscoordinator.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every metric that KsanaLLM reports with {@code REPORT_METRIC} (a histogram sample) or {@code
 * REPORT_COUNTER} (a counter increment), from {@code ksana-metrics.zh.md}, with its kind, unit and
 * English HELP text. Immutable; safe from any thread.
 *
 * <p>The data-parallel variants {@code batch_scheduler_batch_size_{dp_idx}} and {@code
 * batch_scheduler_waiting_size_{dp_idx}} are one family each with a {@code dp_idx} label: see
 * {@link #dataParallelBase(String)}.
 */
public final class KsanaCatalog {
  /** The label that replaces the {@code _{digits}} name suffix of the data-parallel families. */
  public static final String DP_LABEL = "dp_idx";

  /** One catalog entry. */
  public record Entry(String name, MetricKind kind, MetricUnit unit, String help) {}

  private static final Map<String, Entry> ENTRIES = build();

  private KsanaCatalog() {}

  /** The entry for a family name, or {@code null} when KsanaLLM does not report that name. */
  public static Entry lookup(String familyName) {
    return ENTRIES.get(familyName);
  }

  /** All entries, in the order of the Ksana document. */
  public static Map<String, Entry> entries() {
    return ENTRIES;
  }

  /**
   * The length of the family part of a data-parallel name such as {@code
   * batch_scheduler_batch_size_3}, or -1 when {@code name} is not one. The digits after that length
   * plus one (the underscore) are the {@code dp_idx} label value.
   */
  public static int dataParallelBase(String name) {
    int base = dpPrefix(name, "batch_scheduler_batch_size");
    return base > 0 ? base : dpPrefix(name, "batch_scheduler_waiting_size");
  }

  private static int dpPrefix(String name, String family) {
    int n = family.length();
    if (name.length() < n + 2 || !name.startsWith(family) || name.charAt(n) != '_') {
      return -1;
    }
    for (int i = n + 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    return n;
  }

  private static Map<String, Entry> build() {
    Map<String, Entry> m = new LinkedHashMap<>();
    MetricKind c = MetricKind.COUNTER;
    MetricKind h = MetricKind.HISTOGRAM;
    MetricUnit us = MetricUnit.MICROSECONDS;
    MetricUnit n = MetricUnit.COUNT;
    MetricUnit tok = MetricUnit.TOKENS;
    // 1.1 request totals
    put(m, "forward_req_total_num", c, n, "Inference requests received.");
    put(m, "forward_req_timeout_num", c, n, "Inference requests that timed out.");
    put(m, "forward_req_aborted_num", c, n, "Inference requests aborted by the user.");
    put(m, "forward_req_error_num", h, n, "Error codes of failed requests (one sample per error).");
    // 1.2 request latency
    put(m, "total_latency_us", h, us, "Request latency from receipt to completion.");
    put(m, "time_to_first_token_us", h, us, "Time to first token (TTFT) from request receipt.");
    put(m, "inter_token_interval_latency_us", h, us, "Interval between two generated tokens.");
    put(m, "batch_manager_schedule_us", h, us, "Time a request waited before being scheduled.");
    // 1.3 tokens
    put(m, "input_token_len", h, tok, "Input tokens per request.");
    put(m, "output_token_len", h, tok, "Output tokens generated per request.");
    // 2.1 throughput
    put(
        m,
        "global_token_throughput",
        h,
        MetricUnit.TOKENS_PER_SECOND,
        "Tokens per second over the interval between two forwards (includes scheduling).");
    put(
        m,
        "local_token_throughput",
        h,
        MetricUnit.TOKENS_PER_SECOND,
        "Tokens per second of one forward pass (compute time only).");
    put(m, "forwarding_token_num", c, tok, "Tokens processed by forward passes.");
    put(m, "computed_token_num", c, tok, "Tokens actually computed (input plus output).");
    put(m, "computed_input_token_num", c, tok, "Input tokens computed in prefill.");
    put(m, "computed_output_token_num", c, tok, "Output tokens computed in decode.");
    // 2.2 batch time split
    put(m, "schedule_time_us", c, us, "Time spent scheduling, before forward starts.");
    put(m, "forwarding_time_us", c, us, "Time spent in forward passes.");
    put(
        m,
        "forwarding_time_rate",
        h,
        MetricUnit.PERCENT,
        "Forward time as a percentage of schedule plus forward time.");
    // 3.1 scheduler queues
    put(m, "batch_scheduler_batch_size", h, n, "Requests running in the current batch.");
    put(m, "batch_scheduler_waiting_size", h, n, "Requests in the waiting queue.");
    put(m, "batch_scheduler_swapped_size", h, n, "Requests swapped out to CPU memory.");
    put(m, "batch_scheduler_pending_swapin_size", c, n, "Requests pending swap-in to the device.");
    put(m, "batch_scheduler_pending_swapout_size", c, n, "Requests pending swap-out to the CPU.");
    put(m, "num_tokens_to_schedule", h, tok, "Tokens of all requests waiting to be scheduled.");
    // 3.2 scheduler time split
    put(m, "batch_scheduler_time_us", h, us, "Total scheduler time per step.");
    put(m, "batch_scheduler_running_queue_time_us", h, us, "Time handling the running queue.");
    put(m, "batch_scheduler_swapped_queue_time_us", h, us, "Time handling the swapped queue.");
    put(m, "batch_scheduler_waiting_queue_time_us", h, us, "Time handling the waiting queue.");
    put(
        m,
        "batch_scheduler_transfer_queue_time_us",
        h,
        us,
        "Time handling the transfer queue (prefill/decode separation).");
    // 4.1 prefix cache
    put(m, "prefix_cache_hit_req_num", c, n, "Requests that hit the prefix cache.");
    put(m, "prefix_cache_hit_token_num", c, tok, "Tokens reused from the prefix cache.");
    put(m, "prefix_cache_hit_block_num", c, n, "KV cache blocks reused from the prefix cache.");
    put(m, "full_prompt_matched_req_num", c, n, "Requests whose whole prompt matched the cache.");
    put(m, "full_prompt_matched_block_num", c, n, "Blocks reused by whole-prompt matches.");
    // 4.2 flexible cache
    put(m, "flexible_cache_hit_req_num", c, n, "Requests that hit the flexible cache.");
    put(m, "flexible_cache_hit_token_num", c, tok, "Tokens reused from the flexible cache.");
    // 5 speculative decoding
    put(m, "spec_draft_hit_num", h, tok, "Draft tokens accepted by verification.");
    put(m, "spec_draft_token_num", h, tok, "Tokens generated by the draft model.");
    // 6.1 PD transfer cost
    put(m, "pd_task_total_cost_us", h, us, "Transfer task time from creation to completion.");
    put(m, "pd_task_prepare_cost_us", h, us, "Transfer task preparation (metadata) time.");
    put(m, "pd_task_send_data_cost_us", h, us, "Mean data send time per task group.");
    put(m, "pd_task_recv_data_cost_us", h, us, "Mean data receive time per task.");
    put(m, "pd_task_waiting_cost_us", h, us, "Time until the decode side confirmed the task.");
    // 6.2 PD transfer counts
    put(m, "pd_transfer_task_batch_size", h, n, "Tasks per transfer from prefill to decode.");
    put(m, "pd_transfer_skipped_task_num", h, n, "Tasks skipped instead of transferred.");
    put(m, "transfer_tasks_per_request", h, n, "Transfer tasks needed to complete one request.");
    return Collections.unmodifiableMap(m);
  }

  private static void put(
      Map<String, Entry> m, String name, MetricKind kind, MetricUnit unit, String help) {
    m.put(name, new Entry(name, kind, unit, help));
  }
}
