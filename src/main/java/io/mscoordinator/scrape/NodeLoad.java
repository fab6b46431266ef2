package io.mscoordinator.scrape;

import io.mscoordinator.series.MetricType;
import java.util.List;
import java.util.Map;

/**
 * One node's load figures as its last successful scrape reported them: the requests waiting in its
 * own queue and its KV-cache use, each NaN when unknown. What the schedulers read through {@link
 * ScrapedSignals}.
 *
 * <p>Single writer: the node's scrape thread ({@link #read} on each result, {@link #clear} on a
 * failed one), and {@link #clear} from the thread that stops the node; readers: any thread, each
 * figure a plain volatile read.
 *
 * <p>The figures come from these gauge (or untyped) families, whichever the body carries; several
 * series of a figure (per {@code model_name}, per {@code tp_rank} or engine) add up for the queue
 * and give their largest value for the cache use:
 *
 * <ul>
 *   <li>MindIE: {@code num_requests_waiting}; {@code npu_cache_usage_perc}
 *   <li>vLLM: {@code vllm:num_requests_waiting}; {@code vllm:gpu_cache_usage_perc} and (newer)
 *       {@code vllm:kv_cache_usage_perc}
 *   <li>SGLang: {@code sglang:num_queue_reqs}; {@code sglang:token_usage}
 *   <li>TGI: {@code tgi_queue_size}; no cache figure
 *   <li>llama.cpp: {@code llamacpp:requests_deferred}; {@code llamacpp:kv_cache_usage_ratio} (older
 *       builds only: removed upstream)
 *   <li>Triton: {@code nv_inference_pending_request_count} (per model); no cache figure
 * </ul>
 *
 * <p>A figure is unknown when the body has none of its families, or when one of its samples is out
 * of range (a queue below zero or not finite, a cache use outside [0, 1] once scaled): a body that
 * says something impossible is not half believed. (MindIE documents its cache use as a fraction,
 * yet one public sample shows 30: such a body reads as unknown rather than as a guessed percent,
 * since a fraction of 1 and a percent of 1 look alike.)
 */
final class NodeLoad {
  /** Which figure a family carries. */
  private enum Figure {
    WAITING,
    CACHE_USAGE
  }

  /**
   * A family carrying a figure, and the factor that brings its values to the figure's unit
   * (requests; a fraction of the cache). Every cache family seen so far reports a fraction ("1
   * means 100 percent"), hence 1; a family in percent would say 0.01 here.
   */
  private record Source(Figure figure, double scale) {}

  private static final Map<String, Source> SOURCES =
      Map.ofEntries(
          Map.entry("num_requests_waiting", new Source(Figure.WAITING, 1)),
          Map.entry("vllm:num_requests_waiting", new Source(Figure.WAITING, 1)),
          Map.entry("sglang:num_queue_reqs", new Source(Figure.WAITING, 1)),
          Map.entry("tgi_queue_size", new Source(Figure.WAITING, 1)),
          Map.entry("llamacpp:requests_deferred", new Source(Figure.WAITING, 1)),
          Map.entry("nv_inference_pending_request_count", new Source(Figure.WAITING, 1)),
          Map.entry("npu_cache_usage_perc", new Source(Figure.CACHE_USAGE, 1)),
          Map.entry("vllm:gpu_cache_usage_perc", new Source(Figure.CACHE_USAGE, 1)),
          Map.entry("vllm:kv_cache_usage_perc", new Source(Figure.CACHE_USAGE, 1)),
          Map.entry("sglang:token_usage", new Source(Figure.CACHE_USAGE, 1)),
          Map.entry("llamacpp:kv_cache_usage_ratio", new Source(Figure.CACHE_USAGE, 1)));

  private volatile double waiting = Double.NaN;
  private volatile double cacheUsage = Double.NaN;

  /** Requests waiting in the node's queue, or NaN when unknown. */
  double waiting() {
    return waiting;
  }

  /** The node's KV-cache use in [0, 1], or NaN when unknown. */
  double cacheUsage() {
    return cacheUsage;
  }

  /**
   * Takes the figures of one successfully parsed body: one look-up by family name per family, no
   * second parse, nothing allocated. On the node's scrape thread.
   */
  void read(List<ParsedFamily> families) {
    double queue = Double.NaN;
    double cache = Double.NaN;
    boolean badQueue = false;
    boolean badCache = false;
    for (int f = 0, n = families.size(); f < n; f++) {
      ParsedFamily family = families.get(f);
      Source source = SOURCES.get(family.name);
      if (source == null
          || (family.type != MetricType.GAUGE && family.type != MetricType.UNKNOWN)) {
        continue;
      }
      for (int i = 0; i < family.size; i++) {
        if (family.series[i].suffix != Series.Suffix.NONE) {
          continue;
        }
        double v = family.values[i] * source.scale;
        if (source.figure == Figure.WAITING) {
          // NaN and infinities fail here too
          if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
            badQueue = true;
          } else {
            queue = Double.isNaN(queue) ? v : queue + v;
          }
        } else if (!(v >= 0 && v <= 1)) {
          badCache = true;
        } else {
          cache = Double.isNaN(cache) ? v : Math.max(cache, v);
        }
      }
    }
    waiting = badQueue ? Double.NaN : queue;
    cacheUsage = badCache ? Double.NaN : cache;
  }

  /** Forgets the figures: the node failed its scrape, or stopped being scraped. */
  void clear() {
    waiting = Double.NaN;
    cacheUsage = Double.NaN;
  }
}
