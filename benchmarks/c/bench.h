/* What the C rivals of the benchmark share: the clock, the throughput meter
 * (same rules as common.Meter: a warm-up, then from the first counted
 * message to the last), round-trip statistics, and the driver's protocol
 * (one line on stdout for "ready URL", one JSON line for the result, and
 * "close" on stdin before the listener goes away). */
#ifndef NKB_BENCH_H
#define NKB_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NKB_WARM_TRIPS 300
#define NKB_MAX_OPS 20000000L

static inline double nkb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    double warm, first, start, last;
    double count, nbytes;
    int started;
} nkb_meter;

static inline void nkb_meter_add(nkb_meter *m, double msgs, double bytes)
{
    if (!m->started) {
        double now = nkb_now();
        if (m->first == 0)
            m->first = now;
        if (now - m->first < m->warm)
            return;
        m->start = now; /* the first counted message marks the start */
        m->started = 1;
        return;
    }
    m->count += msgs;
    m->nbytes += bytes;
}

static inline void nkb_meter_print(nkb_meter *m)
{
    double span = m->last - m->start;
    if (!m->started || span <= 0 || m->count == 0) {
        printf("{\"count\": 0}\n");
        return;
    }
    printf("{\"msgs_per_s\": %.1f, \"mb_per_s\": %.3f, \"count\": %.0f}\n",
           m->count / span, m->nbytes / span / 1e6, m->count);
}

static int nkb_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and p99 (nearest rank) of n round trips in seconds. */
static inline void nkb_rtt_print(double *t, long n)
{
    if (n == 0) {
        printf("{\"trips\": 0}\n");
        return;
    }
    qsort(t, (size_t)n, sizeof *t, nkb_cmp);
    long k50 = (n + 1) / 2 - 1, k99 = (long)((99 * n + 99) / 100) - 1;
    printf("{\"rtt_median_us\": %.3f, \"rtt_p99_us\": %.3f, \"trips\": %ld}\n",
           t[k50] * 1e6, t[k99 < 0 ? 0 : k99] * 1e6, n);
}

/* Block until the driver says `word` (or stdin ends). */
static inline void nkb_wait_word(const char *word)
{
    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL)
        if (strncmp(line, word, strlen(word)) == 0)
            return;
}

static inline void nkb_wait_close(void)
{
    nkb_wait_word("close");
}

static inline void nkb_die(const char *what, const char *why)
{
    fprintf(stderr, "%s: %s\n", what, why);
    exit(1);
}

#endif
