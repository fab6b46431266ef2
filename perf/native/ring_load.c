/*
 * ring_load.c - the event generator of `perf/run ring`: N producer threads report histogram
 * samples and counter adds for a fixed time, either through the native library into a running
 * coordinator's ring file, or as StatsD lines over UDP (the same events, batched per packet as
 * StatsD clients do) to a StatsD server on 127.0.0.1.
 *
 *   ring_load ring PATH [options]     events through ms_metrics.h into the ring file at PATH
 *   ring_load udp PORT [options]      "name:value|ms" / "name:1|c" lines to 127.0.0.1:PORT
 *
 * Options:
 *   --threads N          producer threads (default 2)
 *   --seconds S          how long the threads offer events (default 10)
 *   --rate R             events/s offered by all threads together, 0 = as fast as possible (default 0)
 *   --counter-every K    every K-th event is a counter add, the rest histogram samples (default 4)
 *   --backoff 0|1        ring only: wait while the ring is nearly full instead of offering a
 *                        record it has no room for, so nothing is dropped (default 0)
 *   --api handle|macro   ring only: registered handles, or REPORT_METRIC / REPORT_COUNTER by name
 *                        (default handle)
 *   --packet-bytes B     udp only: most payload bytes per datagram (default 1432)
 *
 * Prints one JSON object: offered (events the threads tried to report), written (accepted by the
 * ring or put into a sent datagram), dropped (refused: ring full, or a failed send), packets, and
 * the threads' elapsed seconds. Histogram values cycle through 4096 log-uniform latencies between
 * 100 us and 10 s, the same sequence in both modes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "ms_metrics.h"

#define VALUES 4096
#define CHECK_EVERY 256 /* events between clock / ring-room checks */
#define HISTOGRAM_NAME "time_to_first_token_us"
#define COUNTER_NAME "forward_req_total_num"

static int64_t g_values[VALUES];
static int g_threads = 2;
static double g_seconds = 10;
static double g_rate = 0;
static int g_counter_every = 4;
static int g_backoff = 0;
static int g_macro = 0;
static int g_packet_bytes = 1432;
static int g_udp = 0;
static int g_port = 0;
static const char *g_path = NULL;

static ms_metrics_series_t *g_histogram = NULL;
static ms_metrics_series_t *g_counter = NULL;

/* Read-only view of the ring's capacity and positions, for --backoff. */
static const uint8_t *g_map = NULL;
static int64_t g_capacity = 0;

typedef struct
{
    int index;
    uint64_t offered;
    uint64_t written;
    uint64_t dropped;
    uint64_t packets;
    uint64_t waits;
    double elapsed;
}
worker_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "ring_load: %s: %s\n", what, ms_metrics_errmsg());
    exit(1);
}

static int64_t ring_position(int offset)
{
    const _Atomic int64_t *p =
        (const _Atomic int64_t *)(g_map + MS_METRICS_HEADER_LENGTH + g_capacity + offset);
    return atomic_load_explicit(p, memory_order_acquire);
}

/*
 * Waits until the ring has room for the next CHECK_EVERY records of every thread, with slack;
 * returns whether it had to wait. A waiting thread sleeps (50 us at a time) until an eighth of
 * the ring is free again, so on a small machine it leaves the CPU to the consumer, as an engine
 * thread with other work would, instead of spinning against it.
 */
static int wait_for_room(void)
{
    const int64_t margin = (int64_t)g_threads * CHECK_EVERY * 32 + 65536;
    const int64_t resume = g_capacity / 8 > margin ? g_capacity / 8 : margin;
    int64_t need = margin;
    int waited = 0;
    for (;;)
    {
        int64_t head = ring_position(MS_METRICS_RB_HEAD_POSITION_OFFSET);
        int64_t tail = ring_position(MS_METRICS_RB_TAIL_POSITION_OFFSET);
        if (g_capacity - (tail - head) >= need)
        {
            return waited;
        }
        waited = 1;
        need = resume;
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

/* Paces the thread to its share of --rate: spins, or sleeps when more than 1 ms ahead. */
static void pace(double start, uint64_t offered, double per_thread_rate)
{
    for (;;)
    {
        double due = start + (double)offered / per_thread_rate;
        double ahead = due - now_s();
        if (ahead <= 0)
        {
            return;
        }
        if (ahead > 0.001)
        {
            struct timespec ts = {0, (long)((ahead - 0.0005) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
}

static void *ring_worker(void *arg)
{
    worker_t *w = arg;
    const double per_thread_rate = g_rate / g_threads;
    const int every = g_counter_every;
    uint64_t i = (uint64_t)w->index * 977;
    double start = now_s();
    double end = start + g_seconds;
    for (;;)
    {
        if (g_backoff)
        {
            w->waits += (uint64_t)wait_for_room();
        }
        for (int k = 0; k < CHECK_EVERY; k++, i++)
        {
            int rc;
            if (every > 0 && i % (uint64_t)every == 0)
            {
                rc = g_macro ? REPORT_COUNTER(COUNTER_NAME, 1) : ms_metrics_report_counter(g_counter, 1);
            }
            else
            {
                int64_t v = g_values[i & (VALUES - 1)];
                rc = g_macro ? REPORT_METRIC(HISTOGRAM_NAME, v) : ms_metrics_report_metric(g_histogram, v);
            }
            if (0 == rc)
            {
                w->written++;
            }
            else if (MS_METRICS_ERROR_RING_FULL == ms_metrics_errcode())
            {
                w->dropped++;
            }
            else
            {
                die("report");
            }
        }
        w->offered += CHECK_EVERY;
        double t = now_s();
        if (t >= end)
        {
            w->elapsed = t - start;
            return NULL;
        }
        if (g_rate > 0)
        {
            pace(start, w->offered, per_thread_rate);
        }
    }
}

/* The StatsD lines of the event sequence, formatted once so the generator costs alike. */
static char *g_lines[VALUES];
static size_t g_line_lengths[VALUES];
static const char g_counter_line[] = COUNTER_NAME ":1|c\n";

static void *udp_worker(void *arg)
{
    worker_t *w = arg;
    const double per_thread_rate = g_rate / g_threads;
    const int every = g_counter_every;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
    {
        perror("ring_load: socket");
        exit(1);
    }
    struct sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)g_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
    {
        perror("ring_load: connect");
        exit(1);
    }
    char packet[65536];
    size_t used = 0;
    uint64_t in_packet = 0;
    uint64_t i = (uint64_t)w->index * 977;
    double start = now_s();
    double end = start + g_seconds;
    for (;;)
    {
        for (int k = 0; k < CHECK_EVERY; k++, i++)
        {
            const char *line;
            size_t length;
            if (every > 0 && i % (uint64_t)every == 0)
            {
                line = g_counter_line;
                length = sizeof(g_counter_line) - 1;
            }
            else
            {
                line = g_lines[i & (VALUES - 1)];
                length = g_line_lengths[i & (VALUES - 1)];
            }
            if (used + length > (size_t)g_packet_bytes)
            {
                if (send(fd, packet, used - 1, 0) < 0) /* without the last newline */
                {
                    w->dropped += in_packet;
                }
                else
                {
                    w->written += in_packet;
                    w->packets++;
                }
                used = 0;
                in_packet = 0;
            }
            memcpy(packet + used, line, length);
            used += length;
            in_packet++;
        }
        w->offered += CHECK_EVERY;
        double t = now_s();
        if (t >= end)
        {
            if (used > 0)
            {
                if (send(fd, packet, used - 1, 0) < 0)
                {
                    w->dropped += in_packet;
                }
                else
                {
                    w->written += in_packet;
                    w->packets++;
                }
            }
            w->elapsed = t - start;
            close(fd);
            return NULL;
        }
        if (g_rate > 0)
        {
            pace(start, w->offered, per_thread_rate);
        }
    }
}

static void usage(void)
{
    fprintf(stderr,
        "usage: ring_load ring PATH | udp PORT [--threads N] [--seconds S] [--rate R] "
        "[--counter-every K] [--backoff 0|1] [--api handle|macro] [--packet-bytes B]\n");
    exit(2);
}

static double number(const char *key, const char *text, double min, double max)
{
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0' || v < min || v > max)
    {
        fprintf(stderr, "ring_load: out of range: key=%s value=%s range=[%g,%g]\n", key, text, min, max);
        exit(2);
    }
    return v;
}

static void map_ring(void)
{
    int fd = open(g_path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
    {
        perror("ring_load: open ring file");
        exit(1);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (MAP_FAILED == map)
    {
        perror("ring_load: mmap");
        exit(1);
    }
    g_map = map;
    memcpy(&g_capacity, g_map + MS_METRICS_CAPACITY_OFFSET, sizeof(g_capacity));
}

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        usage();
    }
    if (0 == strcmp(argv[1], "udp"))
    {
        g_udp = 1;
        g_port = (int)number("port", argv[2], 1, 65535);
    }
    else if (0 == strcmp(argv[1], "ring"))
    {
        g_path = argv[2];
    }
    else
    {
        usage();
    }
    for (int a = 3; a < argc; a += 2)
    {
        if (a + 1 >= argc)
        {
            usage();
        }
        const char *k = argv[a];
        const char *v = argv[a + 1];
        if (0 == strcmp(k, "--threads"))
            g_threads = (int)number(k, v, 1, 64);
        else if (0 == strcmp(k, "--seconds"))
            g_seconds = number(k, v, 0.1, 3600);
        else if (0 == strcmp(k, "--rate"))
            g_rate = number(k, v, 0, 1e10);
        else if (0 == strcmp(k, "--counter-every"))
            g_counter_every = (int)number(k, v, 0, 1000000);
        else if (0 == strcmp(k, "--backoff"))
            g_backoff = (int)number(k, v, 0, 1);
        else if (0 == strcmp(k, "--packet-bytes"))
            g_packet_bytes = (int)number(k, v, 64, 65000);
        else if (0 == strcmp(k, "--api") && (0 == strcmp(v, "handle") || 0 == strcmp(v, "macro")))
            g_macro = 0 == strcmp(v, "macro");
        else
            usage();
    }

    /* 4096 log-uniform latencies in microseconds, 100 us .. 10 s, from a fixed LCG. */
    uint64_t seed = 42;
    for (int i = 0; i < VALUES; i++)
    {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(seed >> 11) / 9007199254740992.0;
        g_values[i] = (int64_t)(100.0 * pow(1e5, u));
    }

    if (g_udp)
    {
        for (int i = 0; i < VALUES; i++)
        {
            char buf[128];
            int n = snprintf(buf, sizeof(buf), HISTOGRAM_NAME ":%lld|ms\n", (long long)g_values[i]);
            g_lines[i] = strdup(buf);
            g_line_lengths[i] = (size_t)n;
        }
    }
    else
    {
        if (g_macro)
        {
            setenv(MS_METRICS_RING_FILE_ENV, g_path, 1);
            setenv(MS_METRICS_LABELS_ENV, "instance=ring-load", 1);
            if (NULL == ms_metrics_series_by_name(HISTOGRAM_NAME, MS_METRICS_KIND_HISTOGRAM) ||
                NULL == ms_metrics_series_by_name(COUNTER_NAME, MS_METRICS_KIND_COUNTER))
            {
                die("register by name");
            }
        }
        else
        {
            ms_metrics_client_t *client;
            const char *labels[] = {"instance", "ring-load"};
            if (ms_metrics_client_open(&client, g_path) < 0)
            {
                die("open");
            }
            if (ms_metrics_series_register(&g_histogram, client, HISTOGRAM_NAME, MS_METRICS_KIND_HISTOGRAM,
                    MS_METRICS_UNIT_MICROSECONDS, labels, 1) < 0 ||
                ms_metrics_series_register(&g_counter, client, COUNTER_NAME, MS_METRICS_KIND_COUNTER,
                    MS_METRICS_UNIT_NONE, labels, 1) < 0)
            {
                die("register");
            }
        }
        map_ring();
    }

    pthread_t threads[64];
    worker_t workers[64];
    memset(workers, 0, sizeof(workers));
    for (int t = 0; t < g_threads; t++)
    {
        workers[t].index = t;
        if (pthread_create(&threads[t], NULL, g_udp ? udp_worker : ring_worker, &workers[t]) != 0)
        {
            perror("ring_load: pthread_create");
            return 1;
        }
    }
    uint64_t offered = 0, written = 0, dropped = 0, packets = 0, waits = 0;
    double elapsed = 0;
    for (int t = 0; t < g_threads; t++)
    {
        pthread_join(threads[t], NULL);
        offered += workers[t].offered;
        written += workers[t].written;
        dropped += workers[t].dropped;
        packets += workers[t].packets;
        waits += workers[t].waits;
        if (workers[t].elapsed > elapsed)
        {
            elapsed = workers[t].elapsed;
        }
    }
    printf("{\"mode\":\"%s\",\"api\":\"%s\",\"threads\":%d,\"rate\":%.0f,\"backoff\":%d,\"counter_every\":%d,"
           "\"elapsed_s\":%.6f,\"offered\":%llu,\"written\":%llu,\"dropped\":%llu,\"packets\":%llu,\"backoff_waits\":%llu,"
           "\"offered_per_s\":%.0f,\"written_per_s\":%.0f}\n",
        g_udp ? "udp" : "ring", g_macro ? "macro" : "handle", g_threads, g_rate, g_backoff, g_counter_every,
        elapsed, (unsigned long long)offered, (unsigned long long)written, (unsigned long long)dropped,
        (unsigned long long)packets, (unsigned long long)waits, (double)offered / elapsed, (double)written / elapsed);
    return 0;
}
