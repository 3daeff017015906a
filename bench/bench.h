/*
 * bench.h - a monotonic clock and the one output format of every benchmark:
 * "bench NAME VALUE UNIT" on a line of its own (CONTRACT 5).
 */
#ifndef PAGESIM_BENCH_BENCH_H
#define PAGESIM_BENCH_BENCH_H

#include <stdio.h>
#include <time.h>

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void bench_report(const char *name, double value, const char *unit)
{
    printf("bench %s %.3f %s\n", name, value, unit);
    fflush(stdout);
}

/* Keeps the optimizer from deleting a computation whose result is unused. */
static inline void bench_keep(unsigned long long v)
{
    static volatile unsigned long long sink;
    sink += v;
    (void)sink;
}

#endif
