/*
 * bench_pfa.c - the page-frame allocator against the seed's full scan.
 *
 * pfa_fill_4g_ms: allocate every frame of a 4 GiB machine (1,048,576 frames),
 * then free them all; best of several rounds on one allocator (creation
 * excluded). pfa_speedup_vs_naive: on a 64 MiB machine (16,384 frames), the
 * same fill and free with the seed's allocator (every alloc scans the bytemap
 * from frame 0 for the first zero byte) and with ours, in the same run; the
 * ratio of the times.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bench.h's bench_keep() stores into a variable it never reads, which clang
 * reports as set but not used; the store is the point (it keeps results alive). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include "bench.h"
#pragma GCC diagnostic pop
#include "sim/pfa.h"

#define ROUNDS 5

/* The seed's allocator: a bytemap and a scan from frame 0 on every call. */
struct naive {
    uint8_t *map;
    uint64_t n;
};

static int naive_alloc(struct naive *m, uint64_t *pfn)
{
    for (uint64_t i = 0; i < m->n; i++) {
        if (m->map[i] == 0) {
            m->map[i] = 1;
            *pfn = i;
            return 1;
        }
    }
    return 0;
}

static void naive_free(struct naive *m, uint64_t pfn)
{
    if (pfn < m->n && m->map[pfn] == 1)
        m->map[pfn] = 0;
}

/* Fills then empties a; returns nanoseconds. Exits on a wrong result. */
static double fill_free_pfa(struct pfa *a, uint64_t n)
{
    unsigned long long sum = 0;
    double t0 = bench_now_ns();
    uint64_t pfn;
    uint64_t got = 0;
    while (pfa_alloc(a, ROLE_HEAP, &pfn) == PFA_OK) {
        sum += pfn;
        got++;
    }
    for (uint64_t i = 0; i < n; i++)
        sum += (unsigned long long)pfa_free(a, i);
    double t = bench_now_ns() - t0;
    struct pfa_stats st = pfa_stats(a);
    if (got != n || st.free != n || sum != (unsigned long long)(n * (n - 1) / 2)) {
        fprintf(stderr, "bench_pfa: wrong result (got %llu of %llu frames)\n",
                (unsigned long long)got, (unsigned long long)n);
        exit(1);
    }
    bench_keep(sum);
    return t;
}

static double fill_free_naive(struct naive *m)
{
    unsigned long long sum = 0;
    double t0 = bench_now_ns();
    uint64_t pfn;
    uint64_t got = 0;
    while (naive_alloc(m, &pfn)) {
        sum += pfn;
        got++;
    }
    for (uint64_t i = 0; i < m->n; i++)
        naive_free(m, i);
    double t = bench_now_ns() - t0;
    if (got != m->n || memchr(m->map, 1, (size_t)m->n) != NULL) {
        fprintf(stderr, "bench_pfa: naive allocator gave a wrong result\n");
        exit(1);
    }
    bench_keep(sum);
    return t;
}

int main(void)
{
    /* 4 GiB. */
    const uint64_t n4g = UINT64_C(1) << 20;
    struct pfa *a = pfa_create(n4g);
    if (a == NULL) {
        fprintf(stderr, "bench_pfa: cannot create a 4 GiB allocator\n");
        return 1;
    }
    double best = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        double t = fill_free_pfa(a, n4g);
        if (t < best)
            best = t;
    }
    pfa_destroy(a);
    bench_report("pfa_fill_4g_ms", best / 1e6, "ms");

    /* 64 MiB: ours against the seed's scan. */
    const uint64_t n64m = UINT64_C(64) << 8;
    struct pfa *b = pfa_create(n64m);
    struct naive m = {calloc((size_t)n64m, 1), n64m};
    if (b == NULL || m.map == NULL) {
        fprintf(stderr, "bench_pfa: out of memory\n");
        return 1;
    }
    double best_ours = 1e300, best_naive = 1e300;
    for (int r = 0; r < ROUNDS; r++) {
        double t = fill_free_naive(&m);
        if (t < best_naive)
            best_naive = t;
        t = fill_free_pfa(b, n64m);
        if (t < best_ours)
            best_ours = t;
    }
    free(m.map);
    pfa_destroy(b);
    bench_report("pfa_fill_64m_ms", best_ours / 1e6, "ms");
    bench_report("pfa_naive_fill_64m_ms", best_naive / 1e6, "ms");
    bench_report("pfa_speedup_vs_naive", best_naive / best_ours, "x");
    return 0;
}
