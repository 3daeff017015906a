/*
 * test_replay.c - the timeline (replay/timeline.h), the shared options
 * (replay/options.h) and the event formatter (replay/eventfmt.h).
 *
 * The central check is differential (DESIGN.md "Time"): the state reached by
 * stepping back or jumping with goto must hash equal to the state reached by
 * going forward, at random points of a seeded random trace, in each of the
 * four paging modes, with and without checkpoints, and with a budget so small
 * that old checkpoints get merged.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "replay/eventfmt.h"
#include "replay/options.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/x86.h"
#include "trace/trace.h"
#include "trace_helpers.h"

static struct timeline *make(const struct trace *t, const struct replay_options *o,
                             const struct timeline_params *p)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct timeline *tl = timeline_create(t, o, p, &err);
    if (tl == NULL)
        fprintf(stderr, "timeline error %u:%u: %s (%s)\n", err.line, err.col, err.msg, err.token);
    assert_non_null(tl);
    return tl;
}

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* A random native trace of nops operations over 12 ids: allocations of all
 * sizes (some large enough for pages of their own), frees (some double),
 * reallocs, accesses in and past blocks, raw accesses, captions. */
static char *random_trace(uint64_t seed, const char *paging, int nops)
{
    size_t cap = (size_t)nops * 48 + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, "# random\nram 8M\npaging %s\ntlb 16 4\n", paging);
    uint64_t r = seed * 2654435761u + 1;
    for (int i = 0; i < nops; i++) {
        uint64_t x = rng_next(&r);
        unsigned id = (unsigned)(x >> 8) % 12;
        unsigned k = (unsigned)(x % 100);
        uint64_t size = (x >> 20) % 3 == 0 ? (x >> 24) % 200000 : (x >> 24) % 3000 + 1;
        uint64_t off = (x >> 32) % 4000;
        int w;
        if (k < 25)
            w = snprintf(s + n, cap - n, "malloc b%u %llu\n", id, (unsigned long long)size);
        else if (k < 32)
            w = snprintf(s + n, cap - n, "calloc b%u 3 %llu\n", id,
                         (unsigned long long)(size / 3 + 1));
        else if (k < 40)
            w = snprintf(s + n, cap - n, "realloc b%u %llu\n", id, (unsigned long long)size);
        else if (k < 55)
            w = snprintf(s + n, cap - n, "free b%u\n", id);
        else if (k < 70)
            w = snprintf(s + n, cap - n, "write b%u %llu 8\n", id, (unsigned long long)off);
        else if (k < 85)
            w = snprintf(s + n, cap - n, "read b%u %llu 4\n", id, (unsigned long long)off);
        else if (k < 92)
            w = snprintf(s + n, cap - n, "write 0x%llx 4\n",
                         (unsigned long long)((x >> 16) & 0xFFFFF000u));
        else
            w = snprintf(s + n, cap - n, "say step %d\n", i);
        n += (size_t)w;
    }
    return s;
}

static const char *const modes[] = {"32", "pse", "pae", "long"};

/* Forward hashes at every position, then random gotos and backs compared. */
static void check_back_equals_forward(const char *mode, uint64_t seed,
                                      const struct timeline_params *p)
{
    const int nops = 300;
    char *text = random_trace(seed, mode, nops);
    struct trace *t = parse(text);
    assert_int_equal(t->nops, nops);
    struct timeline *tl = make(t, NULL, p);
    uint64_t *h = calloc((size_t)nops + 1, sizeof *h);
    assert_non_null(h);
    h[0] = timeline_hash(tl);
    for (int k = 1; k <= nops; k++) {
        assert_true(timeline_step(tl));
        assert_int_equal(timeline_pos(tl), k);
        h[k] = timeline_hash(tl);
    }
    assert_false(timeline_step(tl));

    /* One step back from the end, then back several times. */
    for (int k = nops - 1; k >= nops - 5; k--) {
        assert_true(timeline_back(tl));
        assert_int_equal(timeline_pos(tl), k);
        assert_hex_equal(timeline_hash(tl), h[k]);
    }
    uint64_t r = seed + 99;
    for (int i = 0; i < 25; i++) {
        uint64_t k = rng_next(&r) % (uint64_t)(nops + 1);
        timeline_goto(tl, k);
        assert_int_equal(timeline_pos(tl), k);
        assert_hex_equal(timeline_hash(tl), h[k]);
    }
    timeline_goto(tl, 0);
    assert_hex_equal(timeline_hash(tl), h[0]);
    assert_false(timeline_back(tl));
    timeline_goto(tl, (uint64_t)nops + 50); /* clamped */
    assert_int_equal(timeline_pos(tl), nops);
    assert_hex_equal(timeline_hash(tl), h[nops]);

    free(h);
    timeline_destroy(tl);
    trace_free(t);
    free(text);
}

static void step_back_state_equals_forward_in_every_mode(void **state)
{
    (void)state;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.checkpoint_every = 16;
    for (size_t m = 0; m < 4; m++)
        check_back_equals_forward(modes[m], 1000 + m, &p);
}

static void step_back_without_checkpoints_reboots_to_same_state(void **state)
{
    (void)state;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_CHECKPOINTS;
    for (size_t m = 0; m < 4; m++)
        check_back_equals_forward(modes[m], 2000 + m, &p);
}

static void thinned_checkpoints_still_restore_exact_state(void **state)
{
    (void)state;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.checkpoint_every = 4;
    p.budget_bytes = 64 * 1024; /* far too small: forces merging */
    check_back_equals_forward("32", 3000, &p);
    check_back_equals_forward("long", 3001, &p);
}

static void thinning_keeps_checkpoint_memory_near_budget(void **state)
{
    (void)state;
    char *text = random_trace(77, "pae", 2000);
    struct trace *t = parse(text);
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.checkpoint_every = 8;
    p.budget_bytes = 512 * 1024;
    struct timeline *tl = make(t, NULL, &p);
    timeline_goto(tl, 2000);
    /* Recent epochs are never merged, so allow them on top of the budget. */
    assert_true(timeline_checkpoint_bytes(tl) < 2 * p.budget_bytes);
    assert_true(timeline_checkpoint_count(tl) < 2000 / 8);
    timeline_destroy(tl);
    trace_free(t);
    free(text);
}

static void two_timelines_reach_the_same_hash(void **state)
{
    (void)state;
    char *text = random_trace(5, "long", 200);
    struct trace *t = parse(text);
    struct timeline_params quiet;
    memset(&quiet, 0, sizeof quiet);
    quiet.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    struct timeline *a = make(t, NULL, NULL);
    struct timeline *b = make(t, NULL, &quiet);
    timeline_goto(a, 200);
    timeline_goto(b, 200);
    assert_hex_equal(timeline_hash(a), timeline_hash(b));
    uint64_t ca[OP_KIND_COUNT], cb[OP_KIND_COUNT];
    timeline_op_counts(a, ca);
    timeline_op_counts(b, cb);
    assert_memory_equal(ca, cb, sizeof ca);
    timeline_destroy(a);
    timeline_destroy(b);
    trace_free(t);
    free(text);
}

static const char small_trace[] = "# small\n"
                                  "ram 16M\n"
                                  "paging 32\n"
                                  "malloc a 100\n"  /* op 1 */
                                  "write a 0 100\n" /* op 2 */
                                  "say look here\n" /* op 3 */
                                  "read a 4 4\n"    /* op 4 */
                                  "free a\n"        /* op 5 */
                                  "free a\n"        /* op 6: double free */
                                  "write 0x10 4\n"  /* op 7: unmapped: #PF */
                                  "malloc b 10\n";  /* op 8 */

static void options_at_places_the_cursor(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct replay_options o;
    memset(&o, 0, sizeof o);
    o.has_at = true;
    o.at = 4;
    struct timeline *tl = make(t, &o, NULL);
    assert_int_equal(timeline_pos(tl), 4);
    assert_int_equal(timeline_len(tl), 8);
    uint64_t c[OP_KIND_COUNT];
    timeline_op_counts(tl, c);
    assert_int_equal(c[OP_MALLOC], 1);
    assert_int_equal(c[OP_WRITE], 1);
    assert_int_equal(c[OP_SAY], 1);
    assert_int_equal(c[OP_READ], 1);
    assert_int_equal(c[OP_FREE], 0);
    timeline_destroy(tl);
    o.at = 1000;
    tl = make(t, &o, NULL);
    assert_int_equal(timeline_pos(tl), 8);
    timeline_destroy(tl);
    trace_free(t);
}

static void options_override_trace_configuration(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct replay_options o;
    memset(&o, 0, sizeof o);
    o.has_ram = true;
    o.ram = 32u << 20;
    o.has_paging = true;
    o.paging = PAGING_LONG;
    o.has_tlb = true;
    o.tlb_entries = 8;
    o.tlb_ways = 2;
    struct timeline *tl = make(t, &o, NULL);
    const struct machine_config *c = machine_config(timeline_machine(tl));
    assert_int_equal(c->ram_bytes, 32u << 20);
    assert_int_equal(c->paging, PAGING_LONG);
    assert_int_equal(c->tlb_entries, 8);
    assert_int_equal(c->tlb_ways, 2);
    timeline_destroy(tl);
    trace_free(t);
}

static void bad_configuration_fails_with_position(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct replay_options o;
    memset(&o, 0, sizeof o);
    o.has_ram = true;
    o.ram = 5000; /* not a multiple of 4 KiB */
    struct trace_error err;
    memset(&err, 0, sizeof err);
    assert_null(timeline_create(t, &o, NULL, &err));
    assert_true(err.line >= 1);
    assert_true(err.msg[0] != '\0');
    o.ram = 16u << 20;
    o.has_tlb = true;
    o.tlb_entries = 12;
    o.tlb_ways = 4; /* 3 sets: not a power of two */
    memset(&err, 0, sizeof err);
    assert_null(timeline_create(t, &o, NULL, &err));
    assert_true(err.msg[0] != '\0');
    trace_free(t);
}

static void breakpoints_stop_after_matching_operation(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct timeline *tl = make(t, NULL, NULL);
    enum timeline_stop why;
    unsigned mask = 0;
    uint64_t n = timeline_run(tl, 0, TIMELINE_BREAK_CAPTION, &why, &mask);
    assert_int_equal(n, 3);
    assert_int_equal(why, TIMELINE_STOP_BREAK);
    assert_int_equal(mask, TIMELINE_BREAK_CAPTION);
    assert_string_equal(timeline_caption(tl), "look here");

    n = timeline_run(tl, 0, TIMELINE_BREAK_DIAG, &why, &mask);
    assert_int_equal(timeline_pos(tl), 6);
    assert_int_equal(n, 3);
    assert_int_equal(mask, TIMELINE_BREAK_DIAG);

    n = timeline_run(tl, 0, TIMELINE_BREAK_FAULT, &why, &mask);
    assert_int_equal(timeline_pos(tl), 7);
    assert_int_equal(why, TIMELINE_STOP_BREAK);
    assert_true(mask & TIMELINE_BREAK_FAULT);

    n = timeline_run(tl, 0, TIMELINE_BREAK_FAULT, &why, &mask);
    assert_int_equal(n, 1);
    assert_int_equal(why, TIMELINE_STOP_END);
    timeline_goto(tl, 0);
    n = timeline_run(tl, 2, 0, &why, NULL);
    assert_int_equal(n, 2);
    assert_int_equal(why, TIMELINE_STOP_LIMIT);
    timeline_destroy(tl);
    trace_free(t);
}

static bool has_kind(const struct event *ev, size_t n, enum event_kind k)
{
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == k)
            return true;
    }
    return false;
}

static void events_of_last_operation_are_kept(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct timeline *tl = make(t, NULL, NULL);
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    assert_true(n > 0); /* the boot's */
    assert_true(has_kind(ev, n, EV_CR_WRITE));

    timeline_step(tl);
    ev = timeline_events(tl, &n);
    assert_true(has_kind(ev, n, EV_BLOCK_ALLOC));
    struct event saved[256];
    size_t nsaved = n < 256 ? n : 256;
    memcpy(saved, ev, nsaved * sizeof *saved);

    timeline_goto(tl, 3);
    ev = timeline_events(tl, &n);
    assert_int_equal(n, 1);
    assert_true(timeline_is_caption(&ev[0]));
    assert_string_equal(timeline_caption_text(tl, &ev[0]), "look here");

    timeline_goto(tl, 6);
    ev = timeline_events(tl, &n);
    assert_true(has_kind(ev, n, EV_DIAG));

    /* Back to op 1: the same events as going forward the first time. */
    timeline_goto(tl, 1);
    ev = timeline_events(tl, &n);
    assert_int_equal(n, nsaved);
    assert_memory_equal(ev, saved, nsaved * sizeof *saved);

    timeline_goto(tl, 0);
    ev = timeline_events(tl, &n);
    assert_true(has_kind(ev, n, EV_CR_WRITE));
    assert_null(timeline_caption(tl));
    timeline_destroy(tl);
    trace_free(t);
}

static void history_drops_events_after_the_cursor(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct timeline *tl = make(t, NULL, NULL);
    timeline_goto(tl, 8);
    size_t n = timeline_history_count(tl);
    assert_true(n > 0);
    assert_int_equal(timeline_history_at(tl, n - 1)->op, 8);
    timeline_goto(tl, 4);
    n = timeline_history_count(tl);
    assert_true(n > 0);
    assert_int_equal(timeline_history_at(tl, n - 1)->op, 4);
    for (size_t i = 1; i < n; i++)
        assert_true(timeline_history_at(tl, i - 1)->op <= timeline_history_at(tl, i)->op);
    assert_null(timeline_history_at(tl, n));
    timeline_destroy(tl);
    trace_free(t);
}

static void advancing_in_steps_records_what_one_goto_records(void **state)
{
    (void)state;
    char *text = random_trace(77, "pae", 3000);
    struct trace *t = parse(text);
    free(text);
    struct timeline *one = make(t, NULL, NULL);
    struct timeline *steps = make(t, NULL, NULL);
    uint64_t target = 2500;
    timeline_goto(one, target);
    uint64_t runs = 0;
    while (timeline_advance(steps, target, 97) > 0)
        runs++;
    assert_true(runs > 20);
    assert_int_equal(timeline_pos(steps), target);
    assert_int_equal(timeline_advance(steps, target, 97), 0); /* never past the target */
    assert_hex_equal(timeline_hash(steps), timeline_hash(one));
    size_t n1, n2;
    const struct event *e1 = timeline_events(one, &n1);
    const struct event *e2 = timeline_events(steps, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(e1, e2, n1 * sizeof *e1);
    assert_int_equal(timeline_history_count(steps), timeline_history_count(one));
    for (size_t i = 0; i < timeline_history_count(one); i++) {
        assert_int_equal(timeline_history_at(steps, i)->op, timeline_history_at(one, i)->op);
        assert_memory_equal(&timeline_history_at(steps, i)->ev, &timeline_history_at(one, i)->ev,
                            sizeof(struct event));
    }
    timeline_destroy(one);
    timeline_destroy(steps);
    trace_free(t);
}

struct log_count {
    uint64_t events;
    uint64_t last_op;
    bool ordered;
};

static void count_log(void *ctx, uint64_t op, uint32_t line, const struct event *ev)
{
    struct log_count *lc = ctx;
    (void)line;
    (void)ev;
    if (op < lc->last_op)
        lc->ordered = false;
    lc->last_op = op;
    lc->events++;
}

static void log_callback_sees_each_operation_once(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct log_count lc = {0, 0, true};
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.log = count_log;
    p.log_ctx = &lc;
    struct timeline *tl = make(t, NULL, &p);
    timeline_goto(tl, 8);
    assert_true(lc.ordered);
    assert_int_equal(lc.last_op, 8);
    uint64_t all = lc.events;
    timeline_goto(tl, 2); /* silent re-run: no log */
    assert_int_equal(lc.events, all);
    timeline_destroy(tl);
    trace_free(t);
}

static void translate_probe_changes_nothing(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct timeline *tl = make(t, NULL, NULL);
    timeline_goto(tl, 2);
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    uint64_t va = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == EV_ACCESS) {
            va = ev[i].va;
            break;
        }
    }
    assert_true(va != 0);
    uint64_t before = timeline_hash(tl);
    struct timeline_probe pr;
    timeline_translate(tl, va, MMU_WRITE, false, &pr);
    assert_true(pr.ok);
    assert_true(pr.res.nsteps >= 2);
    assert_true(pr.tlb_has); /* the write just filled it */
    assert_hex_equal(pr.tlb_pa, pr.res.pa);
    timeline_translate(tl, 0x10, MMU_READ, false, &pr);
    assert_false(pr.ok);
    assert_int_equal(pr.res.fault.vector, 14);
    assert_hex_equal(timeline_hash(tl), before);
    timeline_destroy(tl);
    trace_free(t);
}

static enum options_result take(struct replay_options *o, const char *a, const char *b, int *i)
{
    char *argv[3] = {(char *)a, (char *)b, NULL};
    char msg[128];
    *i = 0;
    return replay_options_take(o, b ? 2 : 1, argv, i, msg, sizeof msg);
}

static void shared_options_parse_and_reject(void **state)
{
    (void)state;
    struct replay_options o;
    memset(&o, 0, sizeof o);
    int i;
    assert_int_equal(take(&o, "--ram", "4G", &i), OPTIONS_TAKEN);
    assert_int_equal(i, 2);
    assert_true(o.has_ram);
    assert_int_equal(o.ram, UINT64_C(4) << 30);
    assert_int_equal(take(&o, "--ram=64K", NULL, &i), OPTIONS_TAKEN);
    assert_int_equal(i, 1);
    assert_int_equal(o.ram, 64 * 1024);
    assert_int_equal(take(&o, "--ram", "5000", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--ram", "0", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--ram", "128G", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--ram", NULL, &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--paging", "pae", &i), OPTIONS_TAKEN);
    assert_int_equal(o.paging, PAGING_PAE);
    assert_int_equal(take(&o, "--paging", "64", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--tlb", "32:8", &i), OPTIONS_TAKEN);
    assert_int_equal(o.tlb_entries, 32);
    assert_int_equal(o.tlb_ways, 8);
    assert_int_equal(take(&o, "--tlb", "16", &i), OPTIONS_TAKEN);
    assert_int_equal(o.tlb_ways, 4);
    assert_int_equal(take(&o, "--tlb", "2", &i), OPTIONS_TAKEN);
    assert_int_equal(o.tlb_ways, 2);
    assert_int_equal(take(&o, "--tlb", "12:4", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--tlb", "8:16", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--tlb", "x", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--at", "0", &i), OPTIONS_TAKEN);
    assert_true(o.has_at);
    assert_int_equal(o.at, 0);
    assert_int_equal(take(&o, "--at", "-1", &i), OPTIONS_BAD);
    assert_int_equal(take(&o, "--json", NULL, &i), OPTIONS_NOT_MINE);
    assert_int_equal(i, 0);
    assert_int_equal(take(&o, "--rammy", "1", &i), OPTIONS_NOT_MINE);
}

static void eventfmt_names_entry_fault_and_frame(void **state)
{
    (void)state;
    struct trace *t = parse(small_trace);
    struct timeline *tl = make(t, NULL, NULL);
    char buf[256];
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = EV_ENTRY_WRITE;
    ev.level = LVL_PDE;
    ev.pa = 0x105d00;
    ev.va = 0xd0000000;
    ev.old = 0;
    ev.new = 0x106023;
    eventfmt_format(tl, &ev, buf, sizeof buf);
    assert_string_equal(buf, "PDE 832 at 0x00105d00: 0x00000000 -> 0x00106023 (va 0xd0000000)");

    memset(&ev, 0, sizeof ev);
    ev.kind = EV_FAULT;
    ev.va = 0xd0001000;
    ev.extra = 14;
    ev.code = X86_PF_W;
    ev.reason = FAULT_NOT_PRESENT;
    eventfmt_line(tl, 3, 7, &ev, buf, sizeof buf);
    assert_string_equal(buf, "op 3 line 7: #PF err=0x2 (write, not present) CR2=0xd0001000");

    memset(&ev, 0, sizeof ev);
    ev.kind = EV_TLB_MISS;
    ev.va = 0xd0000000;
    eventfmt_line(tl, 0, 0, &ev, buf, sizeof buf);
    assert_string_equal(buf, "boot: TLB miss 0xd0000000");

    /* Truncation is safe and reports the full length. */
    size_t full = eventfmt_format(tl, &ev, buf, 5);
    assert_int_equal(full, strlen("TLB miss 0xd0000000"));
    assert_string_equal(buf, "TLB ");
    timeline_destroy(tl);
    trace_free(t);
}

static void mtrace_allocations_touch_their_first_byte(void **state)
{
    (void)state;
    static const char log[] = "= Start\n"
                              "@ ./prog:[0x401156] + 0x4052a0 0x64\n"
                              "@ ./prog:[0x40117a] < 0x4052a0\n"
                              "@ ./prog:[0x40117a] > 0x405720 0xc8\n"
                              "@ ./prog:[0x401190] - 0x405720\n"
                              "@ ./prog:[0x401190] - 0x999999\n"
                              "= End\n";
    struct trace *t = parse(log);
    assert_int_equal(t->format, TRACE_MTRACE);
    struct timeline *tl = make(t, NULL, NULL);
    timeline_step(tl);
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    assert_true(has_kind(ev, n, EV_BLOCK_ALLOC));
    assert_true(has_kind(ev, n, EV_ACCESS));
    timeline_goto(tl, timeline_len(tl));
    struct machine_stats st = machine_stats(timeline_machine(tl));
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.diagnostics, 1); /* the unknown free */
    timeline_destroy(tl);
    trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_back_state_equals_forward_in_every_mode),
        cmocka_unit_test(step_back_without_checkpoints_reboots_to_same_state),
        cmocka_unit_test(thinned_checkpoints_still_restore_exact_state),
        cmocka_unit_test(thinning_keeps_checkpoint_memory_near_budget),
        cmocka_unit_test(two_timelines_reach_the_same_hash),
        cmocka_unit_test(options_at_places_the_cursor),
        cmocka_unit_test(options_override_trace_configuration),
        cmocka_unit_test(bad_configuration_fails_with_position),
        cmocka_unit_test(breakpoints_stop_after_matching_operation),
        cmocka_unit_test(events_of_last_operation_are_kept),
        cmocka_unit_test(history_drops_events_after_the_cursor),
        cmocka_unit_test(advancing_in_steps_records_what_one_goto_records),
        cmocka_unit_test(log_callback_sees_each_operation_once),
        cmocka_unit_test(translate_probe_changes_nothing),
        cmocka_unit_test(shared_options_parse_and_reject),
        cmocka_unit_test(eventfmt_names_entry_fault_and_frame),
        cmocka_unit_test(mtrace_allocations_touch_their_first_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
