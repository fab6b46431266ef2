/*
 * Reports the KsanaLLM metric set (ksana-metrics.zh.md) through REPORT_METRIC / REPORT_COUNTER at a
 * configurable rate, as an engine would: the only integration is the header and one macro per line.
 *
 * usage: MS_COORDINATOR_METRICS_RING_FILE=/dev/shm/ms_coordinator_metrics.ring \
 *        MS_COORDINATOR_METRICS_LABELS=instance=node-1 \
 *        ksana_metrics_example [requests per second, default 100] [seconds, default 10; 0 = forever]
 *
 * Each simulated request reports the request-level names; every 8 requests a "forward" reports
 * the batch, scheduler, cache, speculative-decoding and PD-transfer names (two DP groups).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ms_metrics.h"

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xFFFFFu;
}

static void report_request(unsigned *r)
{
    long ttft = 20000 + next_random(r) % 200000;
    long itl = 5000 + next_random(r) % 40000;
    long out = 1 + next_random(r) % 512;
    REPORT_COUNTER("forward_req_total_num", 1);
    REPORT_METRIC("time_to_first_token_us", ttft);
    REPORT_METRIC("inter_token_interval_latency_us", itl);
    REPORT_METRIC("total_latency_us", ttft + (out - 1) * itl);
    REPORT_METRIC("batch_manager_schedule_us", next_random(r) % 5000);
    REPORT_METRIC("input_token_len", 16 + next_random(r) % 4096);
    REPORT_METRIC("output_token_len", out);
    if (0 == next_random(r) % 100)
    {
        REPORT_COUNTER("forward_req_timeout_num", 1);
    }
    if (0 == next_random(r) % 200)
    {
        REPORT_COUNTER("forward_req_aborted_num", 1);
    }
    if (0 == next_random(r) % 150)
    {
        REPORT_METRIC("forward_req_error_num", 500 + next_random(r) % 4);
    }
}

static void report_forward(unsigned *r)
{
    long tokens = 256 + next_random(r) % 4096;
    long schedule_us = 100 + next_random(r) % 2000;
    long forward_us = 5000 + next_random(r) % 50000;
    long input = tokens / 3;
    REPORT_METRIC("global_token_throughput", tokens * 1000000L / (schedule_us + forward_us));
    REPORT_METRIC("local_token_throughput", tokens * 1000000L / forward_us);
    REPORT_COUNTER("forwarding_token_num", tokens);
    REPORT_COUNTER("computed_token_num", tokens);
    REPORT_COUNTER("computed_input_token_num", input);
    REPORT_COUNTER("computed_output_token_num", tokens - input);
    REPORT_COUNTER("schedule_time_us", schedule_us);
    REPORT_COUNTER("forwarding_time_us", forward_us);
    REPORT_METRIC("forwarding_time_rate", forward_us * 100 / (schedule_us + forward_us));
    long batch0 = next_random(r) % 64;
    long batch1 = next_random(r) % 64;
    long waiting0 = next_random(r) % 32;
    long waiting1 = next_random(r) % 32;
    REPORT_METRIC("batch_scheduler_batch_size", batch0 + batch1);
    REPORT_METRIC("batch_scheduler_batch_size_0", batch0);
    REPORT_METRIC("batch_scheduler_batch_size_1", batch1);
    REPORT_METRIC("batch_scheduler_waiting_size", waiting0 + waiting1);
    REPORT_METRIC("batch_scheduler_waiting_size_0", waiting0);
    REPORT_METRIC("batch_scheduler_waiting_size_1", waiting1);
    REPORT_METRIC("batch_scheduler_swapped_size", next_random(r) % 8);
    REPORT_COUNTER("batch_scheduler_pending_swapin_size", next_random(r) % 2);
    REPORT_COUNTER("batch_scheduler_pending_swapout_size", next_random(r) % 2);
    REPORT_METRIC("num_tokens_to_schedule", next_random(r) % 8192);
    long running = next_random(r) % 300, swapped = next_random(r) % 50, waiting = next_random(r) % 200,
         transfer = next_random(r) % 100;
    REPORT_METRIC("batch_scheduler_running_queue_time_us", running);
    REPORT_METRIC("batch_scheduler_swapped_queue_time_us", swapped);
    REPORT_METRIC("batch_scheduler_waiting_queue_time_us", waiting);
    REPORT_METRIC("batch_scheduler_transfer_queue_time_us", transfer);
    REPORT_METRIC("batch_scheduler_time_us", running + swapped + waiting + transfer);
    long hit_blocks = next_random(r) % 16;
    REPORT_COUNTER("prefix_cache_hit_req_num", hit_blocks > 0);
    REPORT_COUNTER("prefix_cache_hit_token_num", hit_blocks * 16);
    REPORT_COUNTER("prefix_cache_hit_block_num", hit_blocks);
    REPORT_COUNTER("full_prompt_matched_req_num", 0 == next_random(r) % 20);
    REPORT_COUNTER("full_prompt_matched_block_num", next_random(r) % 4);
    REPORT_COUNTER("flexible_cache_hit_req_num", 0 == next_random(r) % 10);
    REPORT_COUNTER("flexible_cache_hit_token_num", next_random(r) % 64);
    long drafted = 1 + next_random(r) % 8;
    REPORT_METRIC("spec_draft_token_num", drafted);
    REPORT_METRIC("spec_draft_hit_num", next_random(r) % (drafted + 1));
    long prepare = next_random(r) % 500, send = next_random(r) % 3000, recv = next_random(r) % 3000,
         wait = next_random(r) % 1000;
    REPORT_METRIC("pd_task_prepare_cost_us", prepare);
    REPORT_METRIC("pd_task_send_data_cost_us", send);
    REPORT_METRIC("pd_task_recv_data_cost_us", recv);
    REPORT_METRIC("pd_task_waiting_cost_us", wait);
    REPORT_METRIC("pd_task_total_cost_us", prepare + send + recv + wait);
    REPORT_METRIC("pd_transfer_task_batch_size", 1 + next_random(r) % 16);
    REPORT_METRIC("pd_transfer_skipped_task_num", next_random(r) % 2);
    REPORT_METRIC("transfer_tasks_per_request", 1 + next_random(r) % 4);
}

int main(int argc, char **argv)
{
    double rate = argc > 1 ? atof(argv[1]) : 100.0;
    double seconds = argc > 2 ? atof(argv[2]) : 10.0;
    if (rate <= 0)
    {
        fprintf(stderr, "usage: %s [requests per second > 0] [seconds, 0 = forever]\n", argv[0]);
        return 1;
    }
    if (NULL == ms_metrics_default_client())
    {
        fprintf(stderr, "%s\n", ms_metrics_errmsg());
        return 2;
    }
    unsigned state = 42;
    long long interval_ns = (long long)(1e9 / rate);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long long total = (long long)(rate * seconds);
    for (long long n = 0; 0 == seconds || n < total; n++)
    {
        report_request(&state);
        if (0 == n % 8)
        {
            report_forward(&state);
        }
        long long ns = next.tv_nsec + interval_ns;
        next.tv_sec += (time_t)(ns / 1000000000LL);
        next.tv_nsec = (long)(ns % 1000000000LL);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    ms_metrics_client_counters_t counters;
    ms_metrics_client_counters(ms_metrics_default_client(), &counters);
    printf("requests=%lld dropped_ring_full=%llu dropped_unopened=%llu\n", total,
        (unsigned long long)counters.dropped_ring_full, (unsigned long long)ms_metrics_default_dropped_unopened());
    return 0;
}
