/*
 * test_ui_state.c - ui_state_init reports an allocation failure instead of
 * ignoring it (the visualizer then says so and exits 1 before curses
 * starts), and sets up the heap view's list so that drawing never
 * allocates. calloc is wrapped at link time (-Wl,--wrap=calloc): every call
 * from the ui library goes through __wrap_calloc, which fails on demand.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "replay/timeline.h"
#include "trace/trace.h"
#include "ui/ui.h"
#include "ui/view_heap.h"

/* The names the linker gives the wrapped and the real calloc (--wrap). */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static bool fail_calloc;
static unsigned callocs;
static unsigned fail_at; /* fail only the fail_at-th call (1-based); 0: every call */

void *__wrap_calloc(size_t n, size_t size)
{
    callocs++;
    if (fail_calloc && (fail_at == 0 || callocs == fail_at))
        return NULL;
    return __real_calloc(n, size);
}

static const char text[] = "paging 32\n"
                           "ram 16M\n"
                           "malloc a 100\n"
                           "malloc b 5000\n"
                           "malloc c 20\n"
                           "free b\n";

static struct timeline *make(struct trace **t)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    *t = trace_parse(text, strlen(text), "state.trace", &err);
    assert_non_null(*t);
    struct timeline *tl = timeline_create(*t, NULL, NULL, &err);
    assert_non_null(tl);
    return tl;
}

static void state_init_reports_allocation_failure(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = make(&t);
    struct ui ui;
    fail_calloc = true;
    callocs = 0;
    bool ok = ui_state_init(&ui, tl, "state.trace");
    fail_calloc = false;
    assert_false(ok);
    assert_true(callocs > 0);
    ui_state_free(&ui); /* allowed after a failure */
    timeline_destroy(tl);
    trace_free(t);
}

/* Each view's state is allocated in turn: a failure at any of them is
 * reported, and ui_state_free frees what came before (valgrind's leak
 * check, meson test --setup valgrind, sees the rest). */
static void state_init_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = make(&t);
    struct ui ui;
    callocs = 0;
    assert_true(ui_state_init(&ui, tl, "state.trace"));
    ui_state_free(&ui);
    unsigned total = callocs;
    assert_true(total >= VIEW_COUNT); /* one state per view, at least */
    for (unsigned k = 1; k <= total; k++) {
        callocs = 0;
        fail_at = k;
        fail_calloc = true;
        bool ok = ui_state_init(&ui, tl, "state.trace");
        fail_calloc = false;
        fail_at = 0;
        assert_false(ok);
        ui_state_free(&ui);
    }
    timeline_destroy(tl);
    trace_free(t);
}

static void state_init_makes_room_for_every_block(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = make(&t);
    assert_true(timeline_goto(tl, timeline_len(tl)));
    struct ui ui;
    assert_true(ui_state_init(&ui, tl, "state.trace"));
    const struct heap_state *hs = ui.view_state[VIEW_HEAP];
    assert_non_null(hs);
    assert_non_null(hs->chunks);
    assert_true(hs->cap >= t->nids);
    ui_state_free(&ui);
    timeline_destroy(tl);
    trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_init_reports_allocation_failure),
        cmocka_unit_test(state_init_fails_cleanly_at_every_allocation),
        cmocka_unit_test(state_init_makes_room_for_every_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
