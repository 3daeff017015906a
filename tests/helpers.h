/*
 * helpers.h - what every cmocka test of pagesim includes first: the cmocka
 * prelude, assertions that report the caller's line, and a recording event
 * sink so a test can assert exact event sequences.
 */
#ifndef PAGESIM_TESTS_HELPERS_H
#define PAGESIM_TESTS_HELPERS_H

/* cmocka needs these before its header (tinc's prelude). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/event.h"

/* Equality of two 64-bit values, printed in hex, reported at the caller. */
#define assert_hex_equal(a, b) _assert_int_equal((uintmax_t)(a), (uintmax_t)(b), __FILE__, __LINE__)

/* A sink that records up to REC_MAX events. */
#define REC_MAX 4096
struct recorder {
    struct event ev[REC_MAX];
    size_t n;
    size_t dropped;
};

static inline void recorder_emit(void *ctx, const struct event *ev)
{
    struct recorder *r = ctx;
    if (r->n < REC_MAX)
        r->ev[r->n++] = *ev;
    else
        r->dropped++;
}

static inline struct event_sink recorder_sink(struct recorder *r)
{
    struct event_sink s = {recorder_emit, r};
    return s;
}

static inline void recorder_clear(struct recorder *r)
{
    r->n = 0;
    r->dropped = 0;
}

/* Number of recorded events of kind k. */
static inline size_t recorder_count(const struct recorder *r, enum event_kind k)
{
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++)
        c += r->ev[i].kind == k;
    return c;
}

/* The first recorded event of kind k, or NULL. */
static inline const struct event *recorder_find(const struct recorder *r, enum event_kind k)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->ev[i].kind == k)
            return &r->ev[i];
    }
    return NULL;
}

#endif
