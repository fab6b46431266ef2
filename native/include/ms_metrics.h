/*
 * ms_metrics.h - report metrics from an engine process into the ms-coordinator's shared-memory
 * ring file (layout: ms_metrics_ring.h). C11; usable from C++ (extern "C", std::string overloads).
 *
 * Quick start: one line per metric, nothing to set up.
 *
 *     #include "ms_metrics.h"
 *     REPORT_METRIC("time_to_first_token_us", ttft_us);   // one histogram sample
 *     REPORT_COUNTER("forward_req_total_num", 1);          // add to a counter
 *
 * The macros open the ring file named by the environment variable MS_COORDINATOR_METRICS_RING_FILE
 * (after the coordinator's config key metrics_config.ring_file), or MS_METRICS_DEFAULT_RING_FILE
 * when it is unset, on first use. Each name is registered once (histogram for REPORT_METRIC,
 * counter for REPORT_COUNTER, unit MS_METRICS_UNIT_NONE: the coordinator knows the unit of every
 * KsanaLLM name) and its series is cached in a lock-free table, so later calls hash the name and
 * write one 24-byte record. Labels from MS_COORDINATOR_METRICS_LABELS ("key=value,key=value") are
 * attached to every macro series, e.g. instance=node-1.
 *
 * Explicit use, with labels and units, and a client per ring file:
 *
 *     ms_metrics_client_t *client;
 *     ms_metrics_series_t *ttft;
 *     const char *labels[] = { "instance", "node-1" };
 *     if (ms_metrics_client_open(&client, NULL) < 0 ||
 *         ms_metrics_series_register(&ttft, client, "time_to_first_token_us",
 *             MS_METRICS_KIND_HISTOGRAM, MS_METRICS_UNIT_MICROSECONDS, labels, 1) < 0)
 *     {
 *         fprintf(stderr, "%s\n", ms_metrics_errmsg());
 *     }
 *     ms_metrics_report_metric(ttft, 1250);
 *
 * Threads. Every function may be called from any thread. The report functions never block, take no
 * lock, allocate nothing and make no system call: they claim space in the ring with a CAS on its
 * tail, fill the record and publish it with a release store of its length (Agrona's many-to-one
 * protocol). On a full ring they drop the record, add 1 to the file's ring-full counter and to the
 * client's own count, and fail with MS_METRICS_ERROR_RING_FULL. Registration allocates and takes
 * no lock either (series are published with a CAS), but does format and copy.
 *
 * Coordinator restarts. The coordinator may stop, restart on the same file (the consumer epoch in
 * the file changes), or re-create the file (the old file's heartbeat goes stale). Before writing an
 * event, the report functions compare the series' last registration with the file's epoch; when it
 * changed, they first re-offer that series' REGISTER record, so a new coordinator learns every
 * handle before the events that use it (duplicates are harmless: the coordinator maps them to the
 * same series). About every 1024 events per thread they also read the heartbeat; when it is older
 * than MS_METRICS_HEARTBEAT_STALE_MS they re-offer registrations once per stale period and, if the
 * path now names another file of this layout, map that file and write there from then on. Old
 * mappings stay mapped until ms_metrics_client_close, so a thread still writing into one is safe.
 *
 * Errors. Functions return 0 (or a pointer) on success and -1 (or NULL) on failure; the failure's
 * code and message are then in ms_metrics_errcode() / ms_metrics_errmsg(), per thread.
 */
#ifndef MS_METRICS_H
#define MS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "ms_metrics_ring.h"

#ifdef __cplusplus
#include <string>
extern "C"
{
#endif

/* Environment variable naming the ring file (the coordinator's metrics_config.ring_file). */
#define MS_METRICS_RING_FILE_ENV "MS_COORDINATOR_METRICS_RING_FILE"
/* Environment variable with "key=value,..." labels for the series the REPORT_* macros register. */
#define MS_METRICS_LABELS_ENV "MS_COORDINATOR_METRICS_LABELS"
/* The ring file of the shipped coordinator config. */
#define MS_METRICS_DEFAULT_RING_FILE "/dev/shm/ms_coordinator_metrics.ring"
/* Series one client can register (handles' low half); registration fails beyond it. */
#define MS_METRICS_CLIENT_MAX_SERIES 4096

/* Error codes of ms_metrics_errcode(). */
#define MS_METRICS_ERROR_NONE 0
#define MS_METRICS_ERROR_INVALID_ARGUMENT 1 /* null pointer, bad kind, a field over its limit */
#define MS_METRICS_ERROR_IO 2               /* open, stat or mmap failed; errno in the message */
#define MS_METRICS_ERROR_LAYOUT 3           /* magic, version, header length or size mismatch */
#define MS_METRICS_ERROR_NOT_READY 4        /* the coordinator has not published the version yet */
#define MS_METRICS_ERROR_RING_FULL 5        /* no room: the record was dropped and counted */
#define MS_METRICS_ERROR_SERIES_LIMIT 6     /* MS_METRICS_CLIENT_MAX_SERIES reached */
#define MS_METRICS_ERROR_KIND_CONFLICT 7    /* a macro used one name as histogram and counter */
#define MS_METRICS_ERROR_NO_MEMORY 8

/* A mapped ring file and the series registered through it. */
typedef struct ms_metrics_client_stct ms_metrics_client_t;

/* A registered series: the handle the report functions take. Valid until its client is closed. */
typedef struct ms_metrics_series_stct ms_metrics_series_t;

/* What a client counted locally; the file's ring-full counter sums all producers. */
typedef struct ms_metrics_client_counters_stct
{
    uint64_t records_written;   /* events and REGISTER records committed into the ring */
    uint64_t dropped_ring_full; /* records dropped because the ring was full */
    uint64_t reopens;           /* times the client mapped a re-created file */
}
ms_metrics_client_counters_t;

/*
 * Maps the ring file at path, or at $MS_COORDINATOR_METRICS_RING_FILE when path is NULL, or at
 * MS_METRICS_DEFAULT_RING_FILE when that is unset or empty. Fails with MS_METRICS_ERROR_IO when
 * the file is missing, MS_METRICS_ERROR_NOT_READY when its layout version is still 0 (being
 * created), MS_METRICS_ERROR_LAYOUT when magic, version, header length, capacity or size differ.
 * The producer id (high half of every handle) is getpid().
 */
int ms_metrics_client_open(ms_metrics_client_t **client, const char *path);

/* As ms_metrics_client_open with an explicit producer id instead of getpid() (tests). */
int ms_metrics_client_open_with_id(ms_metrics_client_t **client, const char *path, uint32_t producer_id);

/* Unmaps every file the client mapped and frees its series. No other thread may use it. */
int ms_metrics_client_close(ms_metrics_client_t *client);

/* The path the client maps. */
const char *ms_metrics_client_path(const ms_metrics_client_t *client);

/* Copies the client's counters. */
int ms_metrics_client_counters(const ms_metrics_client_t *client, ms_metrics_client_counters_t *counters);

/*
 * Registers a series and offers its REGISTER record: name (UTF-8, 1..MS_METRICS_MAX_NAME_LENGTH
 * bytes), kind MS_METRICS_KIND_*, unit MS_METRICS_UNIT_* (MS_METRICS_UNIT_NONE lets the coordinator
 * take the unit of a known KsanaLLM name or infer it from a _us/_ms/_seconds suffix), and
 * label_pair_count pairs of strings (key, value, key, value...) in label_pairs. Every call makes a
 * new handle, (uint64_t)producer_id << 32 | sequence. When the ring is full the series is still
 * registered (and *series set), the call fails with MS_METRICS_ERROR_RING_FULL, and the REGISTER
 * record is offered again before the series' next event.
 */
int ms_metrics_series_register(
    ms_metrics_series_t **series,
    ms_metrics_client_t *client,
    const char *name,
    int kind,
    int unit,
    const char *const *label_pairs,
    size_t label_pair_count);

/* The series' wire handle. */
int64_t ms_metrics_series_handle(const ms_metrics_series_t *series);

/* Records one raw histogram sample into a MS_METRICS_KIND_HISTOGRAM series. Never blocks. */
int ms_metrics_report_metric(ms_metrics_series_t *series, int64_t value);

/* Adds delta (>= 0) to a MS_METRICS_KIND_COUNTER series. Never blocks. */
int ms_metrics_report_counter(ms_metrics_series_t *series, int64_t delta);

/* Sets a MS_METRICS_KIND_GAUGE series. Never blocks. */
int ms_metrics_report_gauge(ms_metrics_series_t *series, double value);

/*
 * The process-wide client of the REPORT_* macros, opened on first use as described at the top.
 * When the file cannot be opened, the call fails and the next attempt is made no sooner than a
 * second later (calls in between fail at once with the same error, counted as dropped).
 */
ms_metrics_client_t *ms_metrics_default_client(void);

/* Events the macros dropped before any ring: no file could be opened or the name not registered. */
uint64_t ms_metrics_default_dropped_unopened(void);

/*
 * The default client's series for name, registered on first use with kind and the labels of
 * MS_COORDINATOR_METRICS_LABELS. Lock-free lookup; fails with MS_METRICS_ERROR_KIND_CONFLICT when
 * the name was registered with another kind.
 */
ms_metrics_series_t *ms_metrics_series_by_name(const char *name, int kind);

/* REPORT_METRIC: ms_metrics_series_by_name(name, HISTOGRAM) then ms_metrics_report_metric. */
int ms_metrics_report_metric_by_name(const char *name, int64_t value);

/* REPORT_COUNTER: ms_metrics_series_by_name(name, COUNTER) then ms_metrics_report_counter. */
int ms_metrics_report_counter_by_name(const char *name, int64_t delta);

/* The code of the calling thread's last failure, MS_METRICS_ERROR_*. */
int ms_metrics_errcode(void);

/* The message of the calling thread's last failure, with key=value facts. */
const char *ms_metrics_errmsg(void);

#ifdef __cplusplus
}

inline int ms_metrics_report_metric_by_name(const std::string &name, int64_t value)
{
    return ms_metrics_report_metric_by_name(name.c_str(), value);
}

inline int ms_metrics_report_counter_by_name(const std::string &name, int64_t delta)
{
    return ms_metrics_report_counter_by_name(name.c_str(), delta);
}
#endif

/* One histogram sample for a KsanaLLM-style name; the value is converted to int64. */
#define REPORT_METRIC(name, value) ms_metrics_report_metric_by_name((name), (int64_t)(value))

/* A counter increment for a KsanaLLM-style name; the value is converted to int64. */
#define REPORT_COUNTER(name, value) ms_metrics_report_counter_by_name((name), (int64_t)(value))

#endif /* MS_METRICS_H */
