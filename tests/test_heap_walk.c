/*
 * test_heap_walk.c - the heap walker (heap_walk, sim/heap.h) that the Heap
 * view draws: after every operation of every bundled trace (traces/ *.trace
 * and the real mtraces of tests/data) the chunks it reads from simulated RAM
 * tile the small heap exactly, page by page, without overlap, free chunks
 * merged and all on the free list, and the blocks it finds are the live
 * blocks of the program at their addresses. In the middle of operations
 * (walked from the event sink, at every event of the lessons) it ends, stays
 * in the heap and changes nothing; on metadata broken by hand (a header
 * written and its footer not, a free list looping or pointing into a block,
 * a size past brk) it reports what it finds and still ends.
 */
#include "helpers.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay/timeline.h"
#include "sim/heap.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/phys.h"
#include "sim/x86.h"
#include "trace/trace.h"

/* A walk into a buffer that always has room. */
struct walked {
    struct heap_chunk *c;
    size_t cap;
    struct heap_walk w;
};

static void walk(const struct machine *m, struct walked *wk)
{
    const struct heap *h = machine_heap(m);
    size_t n = heap_walk(h, NULL, 0, &wk->w);
    if (n > wk->cap) {
        wk->cap = n * 2 + 16;
        wk->c = realloc(wk->c, wk->cap * sizeof *wk->c);
        assert_non_null(wk->c);
    }
    heap_walk(h, wk->c, wk->cap, &wk->w);
    assert_false(wk->w.truncated);
}

/* What holds at any moment: the small heap's chunks (BAD spans included)
 * tile [base + 16, brk) in order, and nothing overlaps. */
static void check_tiling(const struct walked *wk)
{
    const struct heap_walk *w = &wk->w;
    uint64_t at = w->base + HEAP_CONTROL, last_end = 0;
    for (size_t i = 0; i < w->n; i++) {
        const struct heap_chunk *c = &wk->c[i];
        assert_true(c->size > 0);
        assert_true(c->addr >= last_end); /* no overlap, address order */
        last_end = c->addr + c->size;
        if (c->kind != HEAP_CHUNK_LARGE && !(c->addr >= w->brk)) {
            assert_hex_equal(c->addr, at);
            at += c->size;
        }
    }
    if (w->brk > w->base)
        assert_hex_equal(at, w->brk);
}

/* What holds between operations. */
static void check_consistent(const struct machine *m, const struct walked *wk, const char *where)
{
    const struct heap_walk *w = &wk->w;
    check_tiling(wk);
    if (w->odd != 0 || w->list_broken)
        fprintf(stderr, "# %s: odd 0x%x broken %d\n", where, w->odd, w->list_broken);
    assert_int_equal(w->odd, 0);
    assert_false(w->list_broken);
    uint64_t nfree = 0, nalloc = 0;
    bool prev_free = false;
    /* The sum of the chunks' bytes over each page of the small heap. */
    uint64_t page = w->base, sum = HEAP_CONTROL;
    for (size_t i = 0; i < w->n; i++) {
        const struct heap_chunk *c = &wk->c[i];
        assert_int_not_equal(c->kind, HEAP_CHUNK_BAD);
        if (c->kind == HEAP_CHUNK_FREE) {
            assert_false(prev_free); /* merged */
            assert_true(c->listed);
            nfree++;
        } else {
            nalloc++;
            struct machine_block b;
            assert_true(c->id <= UINT32_MAX);
            assert_true(machine_block(m, (uint32_t)c->id, &b));
            assert_true(b.live);
            assert_hex_equal(b.va, c->addr + HEAP_HEADER);
            assert_int_equal(b.large, c->kind == HEAP_CHUNK_LARGE);
            assert_true(b.size + HEAP_HEADER <= c->size);
        }
        prev_free = c->kind == HEAP_CHUNK_FREE;
        if (c->kind == HEAP_CHUNK_LARGE)
            continue;
        for (uint64_t a = c->addr, end = c->addr + c->size; a < end;) {
            uint64_t p = a & ~(X86_PAGE_SIZE - 1);
            uint64_t to = p + X86_PAGE_SIZE < end ? p + X86_PAGE_SIZE : end;
            if (p != page) {
                assert_int_equal(sum, X86_PAGE_SIZE);
                page = p;
                sum = 0;
            }
            sum += to - a;
            a = to;
        }
    }
    if (w->brk > w->base)
        assert_int_equal(sum, X86_PAGE_SIZE);
    assert_int_equal(w->listed, nfree);
    assert_int_equal(nalloc, machine_stats(m).live_blocks);
}

/* Walks at every event from the timeline's log (the middle of operations). */
struct mid {
    const struct timeline *tl;
    struct walked wk;
    uint64_t walks, odd_walks;
};

static void on_event(void *ctx, uint64_t op, uint32_t line, const struct event *ev)
{
    (void)op;
    (void)line;
    (void)ev;
    struct mid *md = ctx;
    if (md->tl == NULL)
        return; /* the boot, inside timeline_create */
    walk(timeline_machine(md->tl), &md->wk);
    check_tiling(&md->wk);
    md->walks++;
    if (md->wk.w.odd != 0)
        md->odd_walks++;
}

static void quiet(void *ctx, uint64_t op, uint32_t line, const struct event *ev)
{
    (void)ctx;
    (void)op;
    (void)line;
    (void)ev;
}

/* Replays path, checking after every operation and, when mid, at every
 * event; the final state must equal a run that never walked. */
static void replay_checked(const char *path, bool mid)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct trace *t = trace_load(path, &err);
    if (t == NULL)
        fprintf(stderr, "# %s:%u: %s\n", path, err.line, err.msg);
    assert_non_null(t);
    struct mid md;
    memset(&md, 0, sizeof md);
    struct timeline_params p = {
        .flags = TIMELINE_NO_CHECKPOINTS, .log = mid ? on_event : quiet, .log_ctx = &md};
    struct timeline *tl = timeline_create(t, NULL, &p, &err);
    assert_non_null(tl);
    md.tl = tl;
    struct walked wk;
    memset(&wk, 0, sizeof wk);
    char where[1200];
    while (timeline_step(tl)) {
        walk(timeline_machine(tl), &wk);
        snprintf(where, sizeof where, "%s op %llu", path, (unsigned long long)timeline_pos(tl));
        struct machine_stats ms = machine_stats(timeline_machine(tl));
        if (ms.diag[DIAG_OUT_OF_BOUNDS] + ms.diag[DIAG_USE_AFTER_FREE] == 0)
            check_consistent(timeline_machine(tl), &wk, where);
        else
            check_tiling(&wk); /* the program wrote over metadata: shown as found */
    }
    uint64_t h = machine_hash(timeline_machine(tl));
    timeline_destroy(tl);
    /* The same trace, nobody walking: the same machine. */
    struct timeline_params q = {.flags = TIMELINE_NO_CHECKPOINTS, .log = quiet};
    tl = timeline_create(t, NULL, &q, &err);
    assert_non_null(tl);
    while (timeline_step(tl))
        ;
    assert_hex_equal(machine_hash(timeline_machine(tl)), h);
    if (mid)
        fprintf(stderr, "# %s: %llu walks mid-operation, %llu saw odd metadata\n", path,
                (unsigned long long)md.walks, (unsigned long long)md.odd_walks);
    timeline_destroy(tl);
    trace_free(t);
    free(wk.c);
    free(md.wk.c);
}

/* Every file of dir ending in ext. */
static void each_file(const char *dir, const char *ext, bool mid, size_t mid_below)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len <= el || strcmp(e->d_name + len - el, ext) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        replay_checked(path, mid && (size_t)size < mid_below);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

static void every_lesson_after_every_op_and_event(void **state)
{
    (void)state;
    const char *dir = getenv("PAGESIM_TRACES");
    assert_non_null(dir);
    each_file(dir, ".trace", true, SIZE_MAX);
}

static void every_recorded_mtrace_after_every_op(void **state)
{
    (void)state;
    const char *dir = getenv("PAGESIM_TEST_DATA");
    assert_non_null(dir);
    each_file(dir, ".mtrace", true, 4096); /* mid-operation walks on the small ones */
}

/* --- states built by hand -------------------------------------------------------- */

static struct machine *boot(void)
{
    struct machine_config c;
    machine_config_default(&c);
    c.nids = 8;
    enum machine_status st;
    struct machine *m = machine_create(&c, NULL, &st);
    assert_non_null(m);
    return m;
}

/* Stores v at virtual address va of m's RAM behind the machine's back. */
static void poke(struct machine *m, uint64_t va, uint64_t v)
{
    struct mmu_result r;
    assert_true(machine_probe(m, va, MMU_READ, false, &r));
    assert_true(phys_store64((struct phys *)machine_phys(m), r.pa, v));
}

static const struct heap_chunk *chunk_at(const struct walked *wk, uint64_t addr)
{
    for (size_t i = 0; i < wk->w.n; i++) {
        if (wk->c[i].addr == addr)
            return &wk->c[i];
    }
    return NULL;
}

static void walking_changes_nothing(void **state)
{
    (void)state;
    struct machine *m = boot();
    for (uint32_t i = 0; i < 4; i++)
        assert_true(machine_malloc(m, i, 100 + 50 * i));
    assert_true(machine_malloc(m, 4, 300000)); /* a large block */
    machine_free(m, 1);
    uint64_t h = machine_hash(m);
    struct walked wk;
    memset(&wk, 0, sizeof wk);
    walk(m, &wk);
    check_consistent(m, &wk, "by hand");
    assert_hex_equal(machine_hash(m), h);
    assert_int_equal(wk.c[wk.w.n - 1].kind, HEAP_CHUNK_LARGE);
    assert_int_equal(wk.c[wk.w.n - 1].id, 4);
    assert_int_equal(wk.c[wk.w.n - 1].size, 74 * X86_PAGE_SIZE);
    free(wk.c);
    machine_destroy(m);
}

static void half_written_metadata_is_reported_not_followed(void **state)
{
    (void)state;
    struct machine *m = boot();
    for (uint32_t i = 0; i < 4; i++)
        assert_true(machine_malloc(m, i, 100)); /* chunks of 128 */
    machine_free(m, 1);
    struct machine_block b0, b1, b2;
    assert_true(machine_block(m, 0, &b0) && machine_block(m, 1, &b1) && machine_block(m, 2, &b2));
    uint64_t c1 = b1.va - HEAP_HEADER, c2 = b2.va - HEAP_HEADER;
    struct walked wk;
    memset(&wk, 0, sizeof wk);

    /* A free chunk's header rewritten (as a split does), its footer not yet. */
    poke(m, c1, 64 | HEAP_F_PREV);
    walk(m, &wk);
    check_tiling(&wk);
    assert_true(chunk_at(&wk, c1)->odd & HEAP_ODD_FOOTER);
    /* The 64 bytes after it do not read as a chunk: a BAD span up to the
     * next chunk the walk can trust (brk here: the list holds only c1). */
    const struct heap_chunk *bad = chunk_at(&wk, c1 + 64);
    assert_non_null(bad);
    assert_int_equal(bad->kind, HEAP_CHUNK_BAD);
    poke(m, c1, 128 | HEAP_F_PREV);

    /* A size past brk. */
    poke(m, c2, UINT64_C(0x7FFFFFF0) | HEAP_F_ALLOC);
    walk(m, &wk);
    check_tiling(&wk);
    assert_int_equal(chunk_at(&wk, c2)->kind, HEAP_CHUNK_BAD);
    assert_true(wk.w.odd & HEAP_ODD_HEADER);
    poke(m, c2, 128 | HEAP_F_ALLOC);

    /* A free list that loops on itself, then one that points into a block. */
    poke(m, c1 + 8, c1);
    walk(m, &wk);
    assert_true(wk.w.list_broken);
    check_tiling(&wk);
    poke(m, c1 + 8, c2);
    walk(m, &wk);
    assert_true(wk.w.list_broken);
    assert_true(chunk_at(&wk, c2)->odd & HEAP_ODD_LISTED);
    /* A chunk unlinked and not yet marked allocated (take() halfway). */
    poke(m, c1 + 8, 0);
    uint64_t top = wk.c[wk.w.n - 1].addr;             /* the free remainder at the top */
    poke(m, b0.va - HEAP_HEADER - HEAP_CONTROL, top); /* head -> the top chunk only */
    poke(m, top + 16, 0);
    walk(m, &wk);
    assert_true(chunk_at(&wk, c1)->odd & HEAP_ODD_UNLISTED);
    assert_true(chunk_at(&wk, top)->listed);
    free(wk.c);
    machine_destroy(m);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Words of the heap's pages overwritten at random (sizes, links, flags,
 * values near real addresses): every walk ends, tiles the small heap and
 * changes nothing. */
static void random_garbage_never_traps_the_walk(void **state)
{
    (void)state;
    struct machine *m = boot();
    struct walked wk;
    memset(&wk, 0, sizeof wk);
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 300; round++) {
        uint32_t id = (uint32_t)(rng_next(&seed) % 8);
        struct machine_block b;
        if (machine_block(m, id, &b) && b.live)
            machine_free(m, id);
        else
            machine_malloc(m, id, rng_next(&seed) % 3000);
        walk(m, &wk);
        uint64_t base = wk.w.base, brk = wk.w.brk;
        if (brk <= base)
            continue;
        for (int k = 0; k < 4; k++) {
            uint64_t va = base + (rng_next(&seed) % (brk - base)) / 8 * 8;
            uint64_t r = rng_next(&seed), v;
            switch (r % 5) {
            case 0:
                v = r >> 8;
                break; /* noise */
            case 1:
                v = (r >> 8) % (brk - base + 64) & ~15u;
                break; /* a size */
            case 2:
                v = base + (r >> 8) % (brk - base + 64);
                break; /* a link */
            case 3:
                v = va;
                break; /* a self-link */
            default:
                v = ((r >> 8) & ~15u) | (r & 7);
                break; /* flags */
            }
            poke(m, va, v);
            uint64_t h = machine_hash(m);
            walk(m, &wk);
            check_tiling(&wk);
            assert_hex_equal(machine_hash(m), h);
        }
        /* Put the heap back in order for the next round: a fresh machine
         * every 20 rounds (the allocator survives garbage, but the test
         * wants to keep walking well-formed heaps too). */
        if (round % 20 == 19) {
            machine_destroy(m);
            m = boot();
        }
    }
    free(wk.c);
    machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walking_changes_nothing),
        cmocka_unit_test(half_written_metadata_is_reported_not_followed),
        cmocka_unit_test(random_garbage_never_traps_the_walk),
        cmocka_unit_test(every_lesson_after_every_op_and_event),
        cmocka_unit_test(every_recorded_mtrace_after_every_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
