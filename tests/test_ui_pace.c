/*
 * test_ui_pace.c - the visualizer's timing (ui/pace.h), driven by a manual
 * clock: playback runs speed operations per second of the clock and stops
 * at breakpoints and the end; a long move runs one chunk at a time, stops
 * where it is when cancelled, and ends in the same state, with the same
 * events, as one timeline_goto. Nothing here depends on the machine's speed.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay/timeline.h"
#include "trace/trace.h"
#include "ui/pace.h"

/* One malloc, then nwrites one-byte writes; a `say` after write say_at
 * (0: none). Operations: nwrites + 1 (+ 1 with the say). */
static struct trace *writes_trace(unsigned nwrites, unsigned say_at)
{
    size_t cap = 64 + (size_t)nwrites * 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "ram 16M\npaging 32\nmalloc a 64\n");
    for (unsigned i = 1; i <= nwrites; i++) {
        len += (size_t)snprintf(text + len, cap - len, "write a %u 1\n", i % 64);
        if (i == say_at)
            len += (size_t)snprintf(text + len, cap - len, "say here\n");
    }
    struct trace_error err;
    struct trace *t = trace_parse(text, len, "pace.trace", &err);
    free(text);
    assert_non_null(t);
    return t;
}

static struct timeline *make(const struct trace *t)
{
    struct trace_error err;
    struct timeline *tl = timeline_create(t, NULL, NULL, &err);
    assert_non_null(tl);
    return tl;
}

static void a_manual_clock_moves_only_when_ticked(void **state)
{
    (void)state;
    struct pace_clock c = {.manual = true, .ns = 5.0};
    assert_true(pace_now(&c) == 5.0);
    assert_true(pace_now(&c) == 5.0);
    pace_tick(&c, 1e9);
    assert_true(pace_now(&c) == 5.0 + 1e9);
    struct pace_clock real = {.manual = false};
    double a = pace_now(&real);
    pace_tick(&real, 1e12); /* no effect on the real clock */
    assert_true(pace_now(&real) >= a);
    assert_true(pace_now(&real) < a + 1e12);
}

static void playback_runs_speed_operations_per_second_of_the_clock(void **state)
{
    (void)state;
    struct trace *t = writes_trace(100, 0);
    struct timeline *tl = make(t);
    struct pace_clock c = {.manual = true};
    struct pace_play p = {.speed = 3, .frame_ns = 33e6};
    enum pace_stop why;

    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 0); /* not playing */
    pace_play_start(&p, &c);
    assert_true(p.playing);
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 1); /* the first at once */
    assert_int_equal(why, PACE_PLAYING);
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 0); /* no time, no work */
    pace_tick(&c, 1e9);
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 3);
    assert_int_equal(timeline_pos(tl), 4);
    pace_tick(&c, 0.5e9); /* 1.5 due: one runs, half a one waits */
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 1);
    pace_tick(&c, 0.5e9);
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 2);
    assert_int_equal(timeline_pos(tl), 7);

    p.speed = 1000000; /* more than one batch is due: all of it runs */
    pace_tick(&c, 1e9);
    assert_int_equal(pace_play_run(&p, tl, &c, 0, &why, NULL), 101 - 7);
    assert_int_equal(why, PACE_END);
    assert_false(p.playing);
    assert_int_equal(timeline_pos(tl), 101);
    timeline_destroy(tl);
    trace_free(t);
}

static void playback_stops_at_a_breakpoint(void **state)
{
    (void)state;
    struct trace *t = writes_trace(50, 20); /* the say is operation 22 */
    struct timeline *tl = make(t);
    struct pace_clock c = {.manual = true};
    struct pace_play p = {.speed = 100, .frame_ns = 33e6};
    enum pace_stop why;
    unsigned mask = 0;
    pace_play_start(&p, &c);
    pace_tick(&c, 1e9);
    assert_int_equal(pace_play_run(&p, tl, &c, TIMELINE_BREAK_CAPTION, &why, &mask), 22);
    assert_int_equal(why, PACE_BREAK);
    assert_int_equal(mask, TIMELINE_BREAK_CAPTION);
    assert_false(p.playing);
    pace_tick(&c, 1e9); /* paused: the clock runs, the cursor stays */
    assert_int_equal(pace_play_run(&p, tl, &c, TIMELINE_BREAK_CAPTION, &why, &mask), 0);
    assert_int_equal(timeline_pos(tl), 22);
    timeline_destroy(tl);
    trace_free(t);
}

static void a_long_move_runs_one_chunk_at_a_time_and_ends_as_one_goto(void **state)
{
    (void)state;
    struct trace *t = writes_trace(10000, 0); /* 10001 operations */
    struct timeline *tl = make(t);
    struct timeline *one = make(t);
    struct pace_clock c = {.manual = true};
    struct pace_move m = {.chunk_ops = 1000};

    assert_int_equal(pace_move_start(&m, tl, 10001, &c), PACE_MOVE_GOING);
    assert_true(m.going);
    assert_int_equal(timeline_pos(tl), 1000);
    assert_int_equal(pace_move_percent(&m, tl), 9);
    for (uint64_t k = 2; k <= 10; k++) {
        assert_int_equal(pace_move_chunk(&m, tl, &c), PACE_MOVE_GOING);
        assert_int_equal(timeline_pos(tl), k * 1000);
    }
    assert_int_equal(pace_move_chunk(&m, tl, &c), PACE_MOVE_DONE); /* the last stretch */
    assert_false(m.going);
    assert_int_equal(timeline_pos(tl), 10001);
    assert_int_equal(pace_move_chunk(&m, tl, &c), PACE_MOVE_DONE); /* nothing under way */

    timeline_goto(one, 10001);
    assert_hex_equal(timeline_hash(tl), timeline_hash(one));
    size_t n1, n2;
    const struct event *e1 = timeline_events(one, &n1);
    const struct event *e2 = timeline_events(tl, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(e1, e2, n1 * sizeof *e1);
    timeline_destroy(one);
    timeline_destroy(tl);
    trace_free(t);
}

static void short_and_backward_moves_are_done_at_once(void **state)
{
    (void)state;
    struct trace *t = writes_trace(5000, 0);
    struct timeline *tl = make(t);
    struct pace_clock c = {.manual = true};
    struct pace_move m = {.chunk_ops = 1000};
    assert_int_equal(pace_move_start(&m, tl, 1000, &c), PACE_MOVE_DONE); /* one chunk */
    assert_false(m.going);
    assert_int_equal(timeline_pos(tl), 1000);
    assert_int_equal(pace_move_start(&m, tl, 3, &c), PACE_MOVE_DONE); /* back */
    assert_int_equal(timeline_pos(tl), 3);
    assert_int_equal(pace_move_start(&m, tl, 99999, &c), PACE_MOVE_GOING); /* clamped */
    assert_int_equal(m.target, 5001);
    /* Without a count, a chunk lasts chunk_ns of the clock: a stopped
     * clock never ends it, so the move runs to its end in one call. */
    struct pace_move timed = {.chunk_ns = 20e6};
    assert_int_equal(pace_move_start(&timed, tl, 0, &c), PACE_MOVE_DONE);
    assert_int_equal(pace_move_start(&timed, tl, 5001, &c), PACE_MOVE_DONE);
    assert_int_equal(timeline_pos(tl), 5001);
    timeline_destroy(tl);
    trace_free(t);
}

static void a_cancelled_move_stops_where_it_is_with_its_events(void **state)
{
    (void)state;
    struct trace *t = writes_trace(10000, 0);
    struct timeline *tl = make(t);
    struct timeline *one = make(t);
    struct pace_clock c = {.manual = true};
    struct pace_move m = {.chunk_ops = 1000};
    assert_int_equal(pace_move_start(&m, tl, 10001, &c), PACE_MOVE_GOING);
    assert_int_equal(pace_move_chunk(&m, tl, &c), PACE_MOVE_GOING);
    pace_move_cancel(&m, tl);
    assert_false(m.going);
    assert_int_equal(timeline_pos(tl), 2000);
    assert_int_equal(pace_move_chunk(&m, tl, &c), PACE_MOVE_DONE); /* stays put */
    assert_int_equal(timeline_pos(tl), 2000);

    timeline_goto(one, 2000);
    assert_hex_equal(timeline_hash(tl), timeline_hash(one));
    size_t n1, n2;
    const struct event *e1 = timeline_events(one, &n1);
    const struct event *e2 = timeline_events(tl, &n2);
    assert_true(n1 > 0);
    assert_int_equal(n1, n2);
    assert_memory_equal(e1, e2, n1 * sizeof *e1);
    timeline_destroy(one);
    timeline_destroy(tl);
    trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_manual_clock_moves_only_when_ticked),
        cmocka_unit_test(playback_runs_speed_operations_per_second_of_the_clock),
        cmocka_unit_test(playback_stops_at_a_breakpoint),
        cmocka_unit_test(a_long_move_runs_one_chunk_at_a_time_and_ends_as_one_goto),
        cmocka_unit_test(short_and_backward_moves_are_done_at_once),
        cmocka_unit_test(a_cancelled_move_stops_where_it_is_with_its_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
