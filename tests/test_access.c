/*
 * test_access.c - the record of a memory access as it happened
 * (replay/access.h), rebuilt from the machine's events by the timeline:
 * a TLB hit, a miss with its walk and A/D bits, a #PF, a #GP, a stale hit
 * (lesson 13), an operation without an access, and the record kept right
 * across step back (checkpoints and re-boots) and in headless replays.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay/access.h"
#include "replay/timeline.h"
#include "sim/mmu.h"
#include "sim/x86.h"
#include "trace/trace.h"
#include "trace_helpers.h"

static struct timeline *make(const struct trace *t, unsigned flags, uint64_t every)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    p.checkpoint_every = every;
    struct timeline *tl = timeline_create(t, NULL, &p, &err);
    if (tl == NULL)
        fprintf(stderr, "timeline error %u:%u: %s\n", err.line, err.col, err.msg);
    assert_non_null(tl);
    return tl;
}

static struct trace *lesson(const char *name)
{
    const char *dir = getenv("PAGESIM_TRACES");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct trace_error err;
    struct trace *t = trace_load(path, &err);
    assert_non_null(t);
    return t;
}

/* A read that the TLB serves: malloc's own header write loaded the page. */
static void test_hit(void **state)
{
    (void)state;
    struct trace *t = parse("ram 16M\npaging 32\nmalloc a 100\nwrite a 0\nread a 8 4\n");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 3);
    const struct access_record *r = timeline_op_access(tl);
    assert_non_null(r);
    assert_int_equal(r->op, 3);
    assert_true(r->program);
    assert_true(r->kind_known);
    assert_int_equal(r->access, MMU_READ);
    assert_false(r->user);
    assert_int_equal(r->size, 4);
    assert_true(r->tlb_looked);
    assert_true(r->tlb_hit);
    assert_true(access_served_by_tlb(r));
    assert_false(access_rewalked(r));
    assert_int_equal(r->nsteps, 0);
    assert_false(r->faulted);
    assert_true(r->has_pa);
    assert_int_equal(r->pa, r->tlb_pa);
    assert_int_equal(r->page_size, X86_PAGE_SIZE);
    assert_int_equal(r->tlb_size, X86_PAGE_SIZE);
    /* The probe agrees: not stale, and it reaches the same byte. */
    struct mmu_result now;
    assert_false(access_stale(r, timeline_machine(tl), &now));
    assert_int_equal(now.pa, r->pa);
    /* The record's events are the op's: its last one is EV_ACCESS. */
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    assert_true(r->ev >= r->first_ev && r->ev <= n);
    assert_int_equal(ev[r->ev - 1].kind, EV_ACCESS);
    assert_int_equal(ev[r->first_ev - 1].kind, EV_TLB_HIT);
    timeline_destroy(tl);
    trace_free(t);
}

/* A write to a page of the block nobody touched yet: a miss, the walk as
 * read (the probe before the write walks the same entries), A and D set on
 * the PTE, the fill. */
static void test_miss_walk_ad(void **state)
{
    (void)state;
    struct trace *t = parse("ram 16M\npaging 32\nmalloc a 65536\nwrite a 40000 8\n");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 1);
    uint64_t va = 0;
    {
        const struct access_record *m = timeline_last_access(tl);
        assert_non_null(m);
        assert_int_equal(m->op, 1); /* malloc's metadata store */
        assert_false(m->program);
    }
    timeline_goto(tl, 2);
    const struct access_record *r = timeline_op_access(tl);
    assert_non_null(r);
    va = r->va;
    struct access_record got = *r;
    /* What the tables held before the write. */
    timeline_goto(tl, 1);
    struct timeline_probe before;
    timeline_translate(tl, va, MMU_WRITE, false, &before);
    assert_true(before.ok);
    assert_false(before.tlb_has);

    assert_true(got.tlb_looked);
    assert_false(got.tlb_hit);
    assert_int_equal(got.nsteps, 2);
    assert_int_equal(got.nsteps, before.res.nsteps);
    for (unsigned i = 0; i < got.nsteps; i++) {
        assert_int_equal(got.steps[i].level, before.res.steps[i].level);
        assert_int_equal(got.steps[i].index, before.res.steps[i].index);
        assert_int_equal(got.steps[i].table, before.res.steps[i].table);
        assert_int_equal(got.steps[i].entry_addr, before.res.steps[i].entry_addr);
        assert_int_equal(got.steps[i].entry, before.res.steps[i].entry);
    }
    assert_int_equal(got.steps[0].level, LVL_PDE);
    assert_int_equal(got.steps[1].level, LVL_PTE);
    /* A and D set on the PTE by the walk; the PDE's A was set before. */
    assert_int_equal(got.steps[1].entry & (X86_PTE_A | X86_PTE_D), 0);
    assert_int_equal(got.steps[1].written, got.steps[1].entry | X86_PTE_A | X86_PTE_D);
    assert_int_equal(got.steps[0].written, got.steps[0].entry);
    assert_true(got.filled);
    assert_true(got.has_pa);
    assert_int_equal(got.pa, before.res.pa);
    assert_int_equal(got.page_size, X86_PAGE_SIZE);
    assert_true(got.program);
    assert_int_equal(got.access, MMU_WRITE);
    assert_int_equal(got.size, 8);
    struct mmu_result now;
    assert_false(access_stale(&got, timeline_machine(tl), &now)); /* not a hit */
    timeline_destroy(tl);
    trace_free(t);
}

/* A read of an unmapped address: #PF not present, CR2 loaded. */
static void test_page_fault(void **state)
{
    (void)state;
    struct trace *t = parse("ram 16M\npaging 32\nmalloc a 100\nread 0x40001234 2 user\n");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 2);
    const struct access_record *r = timeline_op_access(tl);
    assert_non_null(r);
    assert_int_equal(r->va, 0x40001234);
    assert_true(r->faulted);
    assert_int_equal(r->vector, X86_VEC_PF);
    assert_int_equal(r->reason, FAULT_NOT_PRESENT);
    assert_int_equal(r->error_code, X86_PF_U);
    assert_true(r->has_cr2);
    assert_int_equal(r->cr2, 0x40001234);
    assert_true(r->kind_known);
    assert_int_equal(r->access, MMU_READ);
    assert_true(r->user);
    assert_false(r->program); /* the program got no bytes */
    assert_false(r->has_pa);
    assert_true(r->tlb_looked);
    assert_false(r->tlb_hit);
    assert_int_equal(r->nsteps, 1); /* the PDE, P=0 */
    assert_int_equal(r->steps[0].entry & X86_PTE_P, 0);
    timeline_destroy(tl);
    trace_free(t);
}

/* A non-canonical address in 4-level paging: #GP, before any TLB lookup. */
static void test_gp(void **state)
{
    (void)state;
    struct trace *t = parse("ram 16M\npaging long\nmalloc a 100\nread 0x0000800000000000\n");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 2);
    const struct access_record *r = timeline_op_access(tl);
    assert_non_null(r);
    assert_true(r->faulted);
    assert_int_equal(r->vector, X86_VEC_GP);
    assert_int_equal(r->reason, FAULT_NON_CANONICAL);
    assert_false(r->tlb_looked);
    assert_int_equal(r->nsteps, 0);
    assert_false(r->has_cr2);
    assert_int_equal(r->va, UINT64_C(0x0000800000000000));
    timeline_destroy(tl);
    trace_free(t);
}

/* Lesson 13: op 9 writes through the stale, writable entry; the tables say
 * read-only. Op 13 (after INVLPG) walks and faults. */
static void test_stale(void **state)
{
    (void)state;
    struct trace *t = lesson("13-stale-tlb.trace");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 9);
    const struct access_record *r = timeline_op_access(tl);
    assert_non_null(r);
    assert_true(access_served_by_tlb(r));
    assert_int_equal(r->access, MMU_WRITE);
    struct mmu_result now;
    assert_true(access_stale(r, timeline_machine(tl), &now));
    assert_int_equal(now.fault.vector, X86_VEC_PF);
    assert_int_equal(now.fault.reason, FAULT_WRITE_PROTECT);
    timeline_goto(tl, 13);
    r = timeline_op_access(tl);
    assert_non_null(r);
    assert_false(access_stale(r, timeline_machine(tl), &now));
    assert_true(r->faulted);
    assert_int_equal(r->error_code, X86_PF_P | X86_PF_W);
    assert_int_equal(r->reason, FAULT_WRITE_PROTECT);
    assert_int_equal(r->nsteps, 2);
    timeline_destroy(tl);
    trace_free(t);
}

/* An operation that makes no access (a say) has none; the last one stays. */
static void test_no_access(void **state)
{
    (void)state;
    struct trace *t = lesson("13-stale-tlb.trace");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, 10); /* say Now the INVLPG ... */
    assert_null(timeline_op_access(tl));
    const struct access_record *r = timeline_last_access(tl);
    assert_non_null(r);
    assert_int_equal(r->op, 9);
    timeline_goto(tl, 11); /* invlpg a: no access either */
    assert_null(timeline_op_access(tl));
    assert_int_equal(timeline_last_access(tl)->op, 9);
    timeline_destroy(tl);
    trace_free(t);
}

/* Field by field: the steps past nsteps and the padding are not part of
 * the record's value. */
static void assert_same(const struct access_record *a, const struct access_record *b)
{
    assert_int_equal(a->valid, b->valid);
    assert_int_equal(a->program, b->program);
    assert_int_equal(a->kind_known, b->kind_known);
    assert_int_equal(a->user, b->user);
    assert_int_equal(a->access, b->access);
    assert_int_equal(a->mode, b->mode);
    assert_int_equal(a->tlb_looked, b->tlb_looked);
    assert_int_equal(a->tlb_hit, b->tlb_hit);
    assert_int_equal(a->filled, b->filled);
    assert_int_equal(a->has_pa, b->has_pa);
    assert_int_equal(a->faulted, b->faulted);
    assert_int_equal(a->has_cr2, b->has_cr2);
    assert_int_equal(a->vector, b->vector);
    assert_int_equal(a->reason, b->reason);
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->op, b->op);
    assert_int_equal(a->first_ev, b->first_ev);
    assert_int_equal(a->ev, b->ev);
    assert_int_equal(a->va, b->va);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->pa, b->pa);
    assert_int_equal(a->page_size, b->page_size);
    assert_int_equal(a->tlb_pa, b->tlb_pa);
    assert_int_equal(a->tlb_size, b->tlb_size);
    assert_int_equal(a->cr2, b->cr2);
    assert_int_equal(a->nsteps, b->nsteps);
    for (unsigned i = 0; i < a->nsteps; i++) {
        assert_int_equal(a->steps[i].level, b->steps[i].level);
        assert_int_equal(a->steps[i].index, b->steps[i].index);
        assert_int_equal(a->steps[i].table, b->steps[i].table);
        assert_int_equal(a->steps[i].entry_addr, b->steps[i].entry_addr);
        assert_int_equal(a->steps[i].entry, b->steps[i].entry);
        assert_int_equal(a->steps[i].written, b->steps[i].written);
    }
}

/* The record at every op is the same whether reached forward, by stepping
 * back (checkpoints every 2 ops, or none: re-boot) or in a headless replay
 * with TIMELINE_ACCESSES; without it a headless replay keeps none. */
static void test_kept_across_moves(void **state)
{
    (void)state;
    struct trace *t = lesson("13-stale-tlb.trace");
    uint64_t n = t->nops;
    struct access_record *fwd = calloc(n + 1, sizeof *fwd);
    assert_non_null(fwd);
    struct timeline *a = make(t, 0, 0);
    for (uint64_t k = 0; k <= n; k++) {
        if (k > 0)
            assert_true(timeline_step(a));
        const struct access_record *r = timeline_last_access(a);
        if (r != NULL)
            fwd[k] = *r;
    }
    static const unsigned flags[] = {0, TIMELINE_NO_CHECKPOINTS,
                                     TIMELINE_NO_EVENTS | TIMELINE_ACCESSES};
    for (unsigned f = 0; f < 3; f++) {
        struct timeline *b = make(t, flags[f], 2);
        timeline_goto(b, n);
        for (uint64_t k = n + 1; k-- > 0;) {
            timeline_goto(b, k);
            const struct access_record *r = timeline_last_access(b);
            if (!fwd[k].valid) {
                assert_null(r);
                continue;
            }
            assert_non_null(r);
            assert_same(r, &fwd[k]);
        }
        timeline_destroy(b);
    }
    /* Headless, accesses are tracked when asked, or for `expect` lines
     * (the lesson has some); a trace without them pays nothing. */
    struct timeline *h = make(t, TIMELINE_NO_EVENTS | TIMELINE_NO_CHECKPOINTS, 0);
    timeline_goto(h, n);
    assert_non_null(timeline_last_access(h));
    timeline_destroy(h);
    struct trace *plain = lesson("tlb_reuse.trace");
    h = make(plain, TIMELINE_NO_EVENTS | TIMELINE_NO_CHECKPOINTS, 0);
    timeline_goto(h, plain->nops);
    assert_null(timeline_last_access(h));
    timeline_destroy(h);
    trace_free(plain);
    timeline_destroy(a);
    free(fwd);
    trace_free(t);
}

/* The end of lesson 1: the last free's metadata access hit the TLB on a
 * page the same free then unmapped (with INVLPG): no fault, not stale. */
static void test_after_unmap_not_stale(void **state)
{
    (void)state;
    struct trace *t = lesson("01-first-allocation.trace");
    struct timeline *tl = make(t, 0, 0);
    timeline_goto(tl, t->nops);
    const struct access_record *r = timeline_last_access(tl);
    assert_non_null(r);
    assert_false(r->faulted);
    struct mmu_result now;
    assert_false(access_stale(r, timeline_machine(tl), &now));
    timeline_destroy(tl);
    trace_free(t);
}

/* timeline_access_before_op() fed with the op's events gives
 * timeline_last_access(), at every op of two lessons. */
static void test_before_op_replays(void **state)
{
    (void)state;
    const char *names[] = {"13-stale-tlb.trace", "11-long.trace", "09-pse-large-pages.trace"};
    for (unsigned i = 0; i < 3; i++) {
        struct trace *t = lesson(names[i]);
        struct timeline *tl = make(t, 0, 0);
        for (uint64_t k = 1; k <= t->nops; k++) {
            timeline_goto(tl, k);
            const struct access_record *b = timeline_access_before_op(tl);
            assert_non_null(b);
            struct access_record r = *b;
            size_t n;
            const struct event *ev = timeline_events(tl, &n);
            const struct machine *m = timeline_machine(tl);
            for (size_t j = 0; j < n; j++)
                access_feed(&r, machine_config(m)->paging, k, j + 1, &ev[j]);
            const struct access_record *want = timeline_last_access(tl);
            if (want == NULL) {
                assert_false(r.valid);
                continue;
            }
            assert_same(&r, want);
        }
        timeline_destroy(tl);
        trace_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit),
        cmocka_unit_test(test_miss_walk_ad),
        cmocka_unit_test(test_page_fault),
        cmocka_unit_test(test_gp),
        cmocka_unit_test(test_stale),
        cmocka_unit_test(test_no_access),
        cmocka_unit_test(test_kept_across_moves),
        cmocka_unit_test(test_after_unmap_not_stale),
        cmocka_unit_test(test_before_op_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
