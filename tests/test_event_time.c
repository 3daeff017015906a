/*
 * test_event_time.c - event-level time (timeline.h, "event-level time";
 * issue 11 item 1): for every bundled trace in every paging mode, every
 * micro-event of every operation is a real machine state. Reaching N.E by
 * stepping forward (s), stepping back (S) or jumping (goto) gives the same
 * timeline_hash as a fresh timeline created with --at N.E; and the state at
 * each event shows the change the event reports (the sim/ audit: each event
 * is emitted right after its change).
 */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>

#include "replay/options.h"
#include "replay/steps.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/pfa.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "trace/trace.h"

#define MAX_TRACES 64

static const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};

static char paths[MAX_TRACES][512];
static size_t npaths;

static int cmp_path(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void find_traces(void)
{
    const char *dir = getenv("PAGESIM_TRACES");
    if (dir == NULL)
        dir = "traces";
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && npaths < MAX_TRACES) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".trace") == 0)
            snprintf(paths[npaths++], sizeof paths[0], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(paths, npaths, sizeof paths[0], cmp_path);
}

static struct replay_options mode_opts(enum paging_mode m)
{
    struct replay_options o;
    memset(&o, 0, sizeof o);
    o.has_paging = true;
    o.paging = m;
    return o;
}

/* A fresh headless timeline stopped at k.e (e == UINT64_MAX: --at k). */
static uint64_t fresh_hash(const struct trace *t, enum paging_mode m, uint64_t k, uint64_t e,
                           uint64_t *pos, uint64_t *epos, bool *inside)
{
    struct replay_options o = mode_opts(m);
    o.has_at = true;
    o.at = k;
    o.has_at_event = e != UINT64_MAX;
    o.at_event = e;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    struct trace_error err;
    struct timeline *tl = timeline_create(t, &o, &p, &err);
    assert_non_null(tl);
    uint64_t h = timeline_hash(tl);
    if (pos != NULL)
        *pos = timeline_pos(tl);
    if (epos != NULL)
        *epos = timeline_event_pos(tl);
    if (inside != NULL)
        *inside = timeline_inside(tl);
    timeline_destroy(tl);
    return h;
}

/* The hashes of every position of a trace, from fresh runs: ref[k][e] for
 * e in 1..M(k) (M(k) = nev[k]; e == M(k) is op k's end), ref_end[k] = --at k. */
struct refs {
    size_t nops;
    uint64_t *nev;
    uint64_t **h;
    uint64_t *end;
};

static void refs_build(struct refs *r, const struct trace *t, enum paging_mode m, uint64_t n)
{
    r->nops = n;
    r->nev = calloc(n + 1, sizeof *r->nev);
    r->h = calloc(n + 1, sizeof *r->h);
    r->end = calloc(n + 1, sizeof *r->end);
    for (uint64_t k = 0; k <= n; k++) {
        r->end[k] = fresh_hash(t, m, k, UINT64_MAX, NULL, NULL, NULL);
        if (k == 0)
            continue;
        /* M: asking for a huge E stops at the op's end and says how many. */
        uint64_t pos, ep;
        bool in;
        uint64_t h = fresh_hash(t, m, k, UINT64_MAX - 1, &pos, &ep, &in);
        assert_int_equal(pos, k);
        assert_false(in);
        assert_hex_equal(h, r->end[k]); /* N.(past M) is op N's end */
        r->nev[k] = ep;
        r->h[k] = calloc(ep + 1, sizeof **r->h);
        for (uint64_t e = 1; e <= ep; e++) {
            r->h[k][e] = fresh_hash(t, m, k, e, &pos, NULL, &in);
            assert_int_equal(pos, k);
            assert_true(in == (e < ep));
        }
        assert_hex_equal(r->h[k][ep], r->end[k]); /* N.M is op N's end */
    }
}

static void refs_free(struct refs *r)
{
    for (size_t k = 0; k <= r->nops; k++)
        free(r->h[k]);
    free(r->h);
    free(r->nev);
    free(r->end);
}

/* The hash at the cursor of tl equals the fresh one for its position. */
static void check_at(const struct timeline *tl, const struct refs *r)
{
    uint64_t k = timeline_pos(tl);
    uint64_t e = timeline_event_pos(tl);
    if (!timeline_inside(tl)) {
        assert_hex_equal(timeline_hash(tl), r->end[k]);
        if (k > 0)
            assert_int_equal(e, r->nev[k]);
        return;
    }
    assert_true(k > 0 && e >= 1 && e < r->nev[k]);
    assert_int_equal(timeline_event_count(tl), r->nev[k]);
    assert_hex_equal(timeline_hash(tl), r->h[k][e]);
    /* Nothing after the cursor's event is visible: op k's events stop at e,
     * and so does the history ring. */
    size_t n;
    timeline_events(tl, &n);
    assert_int_equal(n, e);
    size_t hn = timeline_history_count(tl);
    assert_true(hn > 0);
    assert_int_equal(timeline_history_at(tl, hn - 1)->op, k);
    size_t mine = 0;
    while (mine < hn && timeline_history_at(tl, hn - 1 - mine)->op == k)
        mine++;
    assert_int_equal(mine, e);
    /* ... and what comes before it is in order, of earlier operations
     * (the ring is bounded: after a long move back it may start late). */
    for (size_t i = 1; i < hn; i++)
        assert_true(timeline_history_at(tl, i - 1)->op <= timeline_history_at(tl, i)->op);
    /* When the ring still starts at the boot, no operation in between is
     * missing (moves record the last 64 operations' events). */
    if (timeline_history_at(tl, 0)->op == 0 && k <= 64 && hn < TIMELINE_HISTORY) {
        size_t i = 0;
        for (uint64_t j = 1; j < k; j++) {
            while (i < hn && timeline_history_at(tl, i)->op < j)
                i++;
            if (r->nev[j] > 0 && (i == hn || timeline_history_at(tl, i)->op != j))
                fail_msg("at %llu.%llu: op %llu's events are missing from the history",
                         (unsigned long long)k, (unsigned long long)e, (unsigned long long)j);
        }
    }
}

static void check_trace_mode(const struct trace *t, enum paging_mode m, const char *path)
{
    struct replay_options o = mode_opts(m);
    struct trace_error err;
    struct timeline *tl = timeline_create(t, &o, NULL, &err);
    if (tl == NULL)
        return; /* the trace's configuration does not fit this mode */
    uint64_t n = timeline_len(tl);
    struct refs r;
    refs_build(&r, t, m, n);

    /* Some event inside an op moves the machine (the old `s` did not). */
    bool moved = false;
    for (uint64_t k = 1; k <= n && !moved; k++) {
        for (uint64_t e = 1; e < r.nev[k]; e++)
            moved |= r.h[k][e] != r.end[k - 1] && r.h[k][e] != r.end[k];
    }
    if (n > 2 && !moved)
        fail_msg("%s: no event inside any op changes the machine", path);

    /* s from 0 to the end: every event of every op. */
    size_t steps = 0;
    check_at(tl, &r);
    while (timeline_step_event(tl)) {
        check_at(tl, &r);
        steps++;
    }
    assert_int_equal(timeline_pos(tl), n);
    /* S from the end back to 0. */
    size_t back = 0;
    while (timeline_back_event(tl)) {
        check_at(tl, &r);
        back++;
    }
    assert_int_equal(timeline_pos(tl), 0);
    assert_int_equal(back, steps);
    /* goto across boundaries, in a scrambled order, and the moves by op
     * from inside an op. */
    uint64_t x = 12345;
    for (int i = 0; i < 200; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t k = 1 + (x >> 33) % (n > 0 ? n : 1);
        if (k > n)
            break;
        uint64_t e = r.nev[k] > 0 ? 1 + (x >> 13) % r.nev[k] : 0;
        timeline_goto_event(tl, k, e);
        check_at(tl, &r);
        if (i % 7 == 0) {
            timeline_step(tl); /* finishes the op */
            check_at(tl, &r);
        } else if (i % 11 == 0) {
            timeline_back(tl);
            check_at(tl, &r);
        }
    }
    timeline_destroy(tl);
    refs_free(&r);
}

static void every_event_every_trace_every_mode(void **state)
{
    (void)state;
    find_traces();
    assert_true(npaths >= 16); /* the lessons at least */
    for (size_t i = 0; i < npaths; i++) {
        struct trace_error err;
        struct trace *t = trace_load(paths[i], &err);
        assert_non_null(t);
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
            check_trace_mode(t, modes[m], paths[i]);
        trace_free(t);
    }
}

/* ---- the state at an event shows the event's change ---- */

static uint64_t entry_at(const struct machine *m, uint64_t ea)
{
    enum paging_mode p = machine_config(m)->paging;
    if (p == PAGING_32 || p == PAGING_PSE)
        return phys_load32(machine_phys(m), ea);
    return phys_load64(machine_phys(m), ea);
}

static uint64_t kinds_seen;

static void check_event_state(const struct machine *m, const struct event *ev, uint64_t prev_hits,
                              uint64_t prev_miss)
{
    const struct pfa *a = machine_pfa(m);
    const struct tlb *t = machine_tlb(m);
    const struct cpu *c = machine_cpu(m);
    if (ev->kind < EV_KIND_COUNT)
        kinds_seen |= UINT64_C(1) << ev->kind;
    switch ((int)ev->kind) { /* the kinds whose change a reader can see */
    case EV_FRAME_ALLOC:
        assert_int_equal(pfa_state(a, ev->pa >> 12), PFA_USED);
        break;
    case EV_FRAME_FREE:
        assert_int_equal(pfa_state(a, ev->pa >> 12), PFA_FREE);
        break;
    case EV_ENTRY_WRITE:
    case EV_AD_SET:
        assert_hex_equal(entry_at(m, ev->pa), ev->new);
        break;
    case EV_CR_WRITE: {
        uint64_t v = ev->reg == CPU_CR0   ? c->cr0
                     : ev->reg == CPU_CR2 ? c->cr2
                     : ev->reg == CPU_CR3 ? c->cr3
                     : ev->reg == CPU_CR4 ? c->cr4
                                          : c->efer;
        assert_hex_equal(v, ev->new);
        break;
    }
    case EV_TLB_FILL: {
        const struct tlb_entry *e = tlb_peek(t, ev->va);
        assert_non_null(e);
        assert_hex_equal(e->pa, ev->pa);
        break;
    }
    case EV_TLB_EVICT: {
        const struct tlb_entry *e = tlb_peek(t, ev->va);
        assert_true(e == NULL || e->pa != ev->pa || (UINT64_C(1) << e->shift) != ev->size);
        break;
    }
    case EV_TLB_INVLPG:
        assert_null(tlb_peek(t, ev->va));
        break;
    case EV_TLB_HIT:
        assert_int_equal(tlb_stats(t).hits, prev_hits + 1);
        break;
    case EV_TLB_MISS:
        assert_int_equal(tlb_stats(t).misses, prev_miss + 1);
        break;
    case EV_FAULT:
        if (ev->extra == 14)
            assert_null(tlb_peek(t, ev->va));
        break;
    case EV_TABLE_ALLOC:
        assert_int_equal(pfa_state(a, ev->pa >> 12), PFA_USED);
        assert_int_not_equal(pfa_role(a, ev->pa >> 12), ROLE_HEAP);
        break;
    default:
        break;
    }
}

static void every_event_shows_its_change(void **state)
{
    (void)state;
    find_traces();
    kinds_seen = 0;
    for (size_t i = 0; i < npaths; i++) {
        struct trace_error err;
        struct trace *t = trace_load(paths[i], &err);
        assert_non_null(t);
        for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
            struct replay_options o = mode_opts(modes[mi]);
            struct timeline *tl = timeline_create(t, &o, NULL, &err);
            if (tl == NULL)
                continue;
            for (;;) {
                /* The counters one event back: the state before the next event. */
                struct tlb_stats before = tlb_stats(machine_tlb(timeline_machine(tl)));
                if (!timeline_step_event(tl))
                    break;
                size_t ne;
                const struct event *ev = timeline_events(tl, &ne);
                if (ne > 0)
                    check_event_state(timeline_machine(tl), &ev[ne - 1], before.hits,
                                      before.misses);
            }
            timeline_destroy(tl);
        }
        trace_free(t);
    }
    /* The lessons exercise every kind checked above. */
    static const enum event_kind want[] = {
        EV_FRAME_ALLOC, EV_FRAME_FREE, EV_ENTRY_WRITE, EV_AD_SET, EV_CR_WRITE,    EV_TLB_FILL,
        EV_TLB_INVLPG,  EV_TLB_HIT,    EV_TLB_MISS,    EV_FAULT,  EV_TABLE_ALLOC, EV_TLB_EVICT};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!(kinds_seen & (UINT64_C(1) << want[i])))
            fail_msg("no event of kind %d in the bundled traces", (int)want[i]);
    }
}

/* Lesson 1's first malloc follows the seed's steps in order: the heap asks
 * the VMM, the frame allocator gives frames, the VMM maps, the block is
 * carved; each step names itself. */
static void first_malloc_follows_the_seed_steps(void **state)
{
    (void)state;
    find_traces();
    char path[600];
    snprintf(path, sizeof path, "%s/01-first-allocation.trace",
             getenv("PAGESIM_TRACES") ? getenv("PAGESIM_TRACES") : "traces");
    struct trace_error err;
    struct trace *t = trace_load(path, &err);
    assert_non_null(t);
    struct timeline *tl = timeline_create(t, NULL, NULL, &err);
    assert_non_null(tl);
    timeline_goto(tl, 2);
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    assert_true(n > 10);
    enum step_kind *k = calloc(n, sizeof *k);
    steps_classify(timeline_op(tl, 2), ev, n, k);
    unsigned last = 0;
    unsigned seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(k[i], steps_of(timeline_op(tl, 2), ev, i));
        unsigned s = steps_seed_index(k[i]);
        assert_true(s != 0);
        assert_true(s >= last); /* never back to an earlier step */
        last = s;
        seen |= 1u << s;
        if (ev[i].kind == EV_HEAP_GROW)
            assert_int_equal(k[i], STEP_VMM);
        if (ev[i].kind == EV_FRAME_ALLOC)
            assert_int_equal(k[i], STEP_PFA);
        if (ev[i].kind == EV_ENTRY_WRITE)
            assert_int_equal(k[i], STEP_MAP);
        if (ev[i].kind == EV_BLOCK_ALLOC)
            assert_int_equal(k[i], STEP_CARVE);
    }
    assert_int_equal(seen, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5));
    assert_string_equal(steps_name(STEP_PFA), "frame allocator");
    /* The free at op 10 is the free path, then the unmap and INVLPG. */
    timeline_goto(tl, timeline_len(tl));
    ev = timeline_events(tl, &n);
    bool unmap = false, inv = false;
    for (size_t i = 0; i < n; i++) {
        enum step_kind s = steps_of(timeline_op(tl, timeline_pos(tl)), ev, i);
        if (ev[i].kind == EV_BLOCK_FREE)
            assert_int_equal(s, STEP_FREE);
        unmap |= s == STEP_UNMAP;
        inv |= s == STEP_INVLPG;
    }
    assert_true(unmap); /* free b empties the heap page: it is unmapped */
    assert_true(inv);
    /* A TLB hit changes nothing but a counter; a PDE write does. */
    struct event e;
    memset(&e, 0, sizeof e);
    e.kind = EV_TLB_HIT;
    assert_false(steps_is_change(&e));
    e.kind = EV_ENTRY_WRITE;
    assert_true(steps_is_change(&e));
    free(k);
    timeline_destroy(tl);
    trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_every_trace_every_mode),
        cmocka_unit_test(every_event_shows_its_change),
        cmocka_unit_test(first_malloc_follows_the_seed_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
