/*
 * test_fastpath.c - the simulator's fast paths (the TLB's quick probe and
 * hit accounting, mmu_translate_quick, the MMU's memo of recent translations
 * that the heap's metadata goes through) change nothing a machine shows: a
 * machine nobody listens to (fast paths on) and one with a listener (every
 * access takes the general path) run the same seeded operations and must
 * agree on the whole state (RAM, TLB entries and LRU stamps, counters, heap)
 * after every operation, and on every chunk they hand to a journal. Then
 * the parts on their own, on hand-built 4-level tables: the quick path
 * against mmu_translate for every entry, access and CR0.WP, and the memo
 * against plain translations through a thrashing TLB with stale entries.
 */
#include "helpers.h"

#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/tmem.h"
#include "sim/x86.h"

/* A listener that drops what it hears: its presence alone turns the fast
 * paths off. */
static void drop_event(void *ctx, const struct event *ev)
{
    (void)ctx;
    (void)ev;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Every chunk handed to a journal, in order, as mem index << 32 | chunk. */
#define SAVES_MAX 200000
struct saves {
    struct tmem *mems[8];
    size_t nmems;
    uint64_t *log;
    size_t n;
};

static void save_chunk(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    (void)old;
    (void)len;
    struct saves *s = ctx;
    size_t i = 0;
    while (i < s->nmems && s->mems[i] != m)
        i++;
    if (s->n < SAVES_MAX)
        s->log[s->n++] = (uint64_t)i << 32 | chunk;
}

static void journal_all(struct machine *m, struct saves *s)
{
    s->nmems = machine_tmems(m, s->mems, 8);
    assert_true(s->nmems <= 8);
    struct tmem_journal j = {save_chunk, s};
    for (size_t i = 0; i < s->nmems; i++)
        tmem_set_journal(s->mems[i], &j);
}

static void epoch_all(struct saves *s)
{
    for (size_t i = 0; i < s->nmems; i++)
        tmem_epoch(s->mems[i]);
}

/* One seeded random operation, the same on both machines. */
static void random_op(struct machine *m, uint64_t r, uint32_t nids)
{
    uint32_t id = (uint32_t)((r >> 8) % nids);
    uint32_t id2 = (uint32_t)((r >> 24) % nids);
    uint64_t size = (r >> 40) % 3000;
    if ((r >> 38) % 16 == 0)
        size = UINT64_C(140000) + (r >> 44) % 20000; /* a large block */
    switch (r % 16) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (machine_malloc(m, id, size) && size > 0)
            machine_access(m, id, 0, 1, MMU_WRITE); /* the replay's touch */
        break;
    case 4:
        machine_calloc(m, id, 1 + (r >> 36) % 4, size / 4);
        break;
    case 5:
        machine_realloc(m, id, id2, size);
        break;
    case 6:
    case 7:
    case 8:
    case 9:
        machine_free(m, id);
        break;
    case 10:
        machine_access_priv(m, id, (r >> 32) % 64, 1 + (r >> 50) % 5000, MMU_WRITE, false);
        break;
    case 11:
        machine_access_priv(m, id, (r >> 32) % 64, 1 + (r >> 50) % 100, MMU_READ, (r >> 20) & 1);
        break;
    case 12:
        machine_protect(m, id, (r >> 21) & 1, (r >> 22) & 1);
        break;
    case 13:
        machine_invlpg(m, id, (r >> 32) % 8192);
        break;
    case 14:
        machine_set_cr0_wp(m, (r >> 23) & 1);
        break;
    default:
        if ((r >> 24) & 1)
            machine_cr3_reload(m);
        else
            machine_set_cr4_pge(m, (r >> 25) & 1);
        break;
    }
}

/* Runs nops random operations on a quiet and a listened-to machine of the
 * given geometry, comparing them after each; with journal, both have every
 * array journaled and an epoch per operation, and the chunks they save must
 * be the same. */
static void run_side_by_side(enum paging_mode paging, unsigned entries, unsigned ways,
                             uint64_t seed, unsigned nops, bool journal)
{
    const uint32_t nids = 64;
    struct machine_config c;
    machine_config_default(&c);
    c.paging = paging;
    c.tlb_entries = entries;
    c.tlb_ways = ways;
    c.nids = nids;
    c.ram_bytes = UINT64_C(2) << 20;
    struct event_sink listen = {drop_event, NULL};
    enum machine_status st;
    struct machine *quiet = machine_create(&c, NULL, &st);
    assert_non_null(quiet);
    struct machine *heard = machine_create(&c, &listen, &st);
    assert_non_null(heard);
    assert_hex_equal(machine_hash(quiet), machine_hash(heard));

    struct saves sq = {0}, sh = {0};
    if (journal) {
        sq.log = calloc(SAVES_MAX, sizeof *sq.log);
        sh.log = calloc(SAVES_MAX, sizeof *sh.log);
        assert_non_null(sq.log);
        assert_non_null(sh.log);
        journal_all(quiet, &sq);
        journal_all(heard, &sh);
    }
    uint64_t s = seed;
    for (unsigned i = 0; i < nops; i++) {
        uint64_t r = rng_next(&s);
        random_op(quiet, r, nids);
        random_op(heard, r, nids);
        struct tlb_stats tq = tlb_stats(machine_tlb(quiet));
        struct tlb_stats th = tlb_stats(machine_tlb(heard));
        if (memcmp(&tq, &th, sizeof tq) != 0 ||
            ((i % 16 == 15 || i + 1 == nops) && machine_hash(quiet) != machine_hash(heard)))
            fail_msg("paging %d, TLB %u:%u, seed %llu: states differ after op %u", (int)paging,
                     entries, ways, (unsigned long long)seed, i);
        if (journal) {
            assert_int_equal(sq.n, sh.n);
            epoch_all(&sq);
            epoch_all(&sh);
        }
    }
    struct tlb_stats tq = tlb_stats(machine_tlb(quiet));
    struct tlb_stats th = tlb_stats(machine_tlb(heard));
    assert_int_equal(tq.hits, th.hits);
    assert_int_equal(tq.misses, th.misses);
    assert_int_equal(tq.fills, th.fills);
    assert_int_equal(tq.evictions, th.evictions);
    assert_true(tq.hits > 1000); /* the fast paths really ran */
    if (journal) {
        assert_int_equal(sq.n, sh.n);
        assert_true(sq.n > 0);
        assert_memory_equal(sq.log, sh.log, sq.n * sizeof *sq.log);
    }
    free(sq.log);
    free(sh.log);
    machine_destroy(quiet);
    machine_destroy(heard);
}

static void quiet_machine_matches_listened_machine_in_every_mode(void **state)
{
    (void)state;
    const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        run_side_by_side(modes[i], 64, 4, 0x9E3779B97F4A7C15u + i, 3000, false);
}

static void quiet_machine_matches_with_a_small_thrashing_tlb(void **state)
{
    (void)state;
    /* Few sets and ways: misses, evictions and hits on ways that are not
     * the most recent one, all of which must invalidate the memos. */
    run_side_by_side(PAGING_32, 4, 2, 12345, 3000, false);
    run_side_by_side(PAGING_LONG, 8, 4, 777, 3000, false);
    run_side_by_side(PAGING_PAE, 2, 1, 4242, 3000, false);
}

static void quiet_machine_journals_the_same_chunks(void **state)
{
    (void)state;
    run_side_by_side(PAGING_32, 64, 4, 99, 1500, true);
    run_side_by_side(PAGING_LONG, 16, 2, 31337, 1500, true);
}

/* --- the parts on hand-built tables --------------------------------------- */

#define RIG_RAM   (UINT64_C(4) << 20)
#define RIG_PT    UINT64_C(0x13000)  /* the page table of the rig's pages */
#define RIG_FRAME UINT64_C(0x100000) /* frame of page i: RIG_FRAME + i pages */
#define RIG_ALT   UINT64_C(0x200000) /* the other frame a page may be moved to */
#define RIG_PAGES 24u

/* A machine without the machine: RAM, registers, a TLB, an MMU, nobody
 * listening. 4-level paging with EFER.NXE; PML4 0x10000 -> PDPT 0x11000 ->
 * PD 0x12000 -> PT 0x13000, whose entry i maps page i (va i << 12). */
struct rig {
    struct phys *ph;
    struct cpu cpu;
    struct tlb *tlb;
    struct mmu m;
};

static void rig_init(struct rig *r, unsigned entries, unsigned ways, uint64_t pte_flags)
{
    memset(r, 0, sizeof *r);
    r->ph = phys_create(RIG_RAM);
    r->tlb = tlb_create(entries, ways);
    assert_non_null(r->ph);
    assert_non_null(r->tlb);
    cpu_reset(&r->cpu, X86_MAXPHYADDR_DEFAULT);
    r->cpu.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
    r->cpu.cr3 = 0x10000;
    r->cpu.cr4 = X86_CR4_PAE;
    r->cpu.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
    r->m.phys = r->ph;
    r->m.cpu = &r->cpu;
    r->m.tlb = r->tlb;
    r->m.sink = NULL;
    uint64_t up = X86_PTE_P | X86_PTE_RW | X86_PTE_US;
    assert_true(phys_store64(r->ph, 0x10000, 0x11000 | up));
    assert_true(phys_store64(r->ph, 0x11000, 0x12000 | up));
    assert_true(phys_store64(r->ph, 0x12000, RIG_PT | up));
    for (unsigned i = 0; i < RIG_PAGES; i++)
        assert_true(phys_store64(r->ph, RIG_PT + 8 * i,
                                 (RIG_FRAME + ((uint64_t)i << 12)) | X86_PTE_P | pte_flags));
}

static void rig_fini(struct rig *r)
{
    tlb_destroy(r->tlb);
    phys_destroy(r->ph);
}

/* Two rigs agree: TLB counters, every entry, all of RAM. */
static void assert_rigs_agree(const struct rig *a, const struct rig *b)
{
    struct tlb_stats sa = tlb_stats(a->tlb), sb = tlb_stats(b->tlb);
    assert_memory_equal(&sa, &sb, sizeof sa);
    for (unsigned s = 0; s < tlb_nsets(a->tlb); s++)
        for (unsigned w = 0; w < tlb_nways(a->tlb); w++)
            assert_memory_equal(tlb_entry_at(a->tlb, s, w), tlb_entry_at(b->tlb, s, w),
                                sizeof(struct tlb_entry));
    assert_memory_equal(phys_bytes(a->ph), phys_bytes(b->ph), RIG_RAM);
}

/* The SDM's rule for serving an access from a cached entry (4.6, 4.8),
 * spelled out apart from the code: U/S for a user access; for a write the
 * cached D, and R/W unless a supervisor write with CR0.WP=0; for a fetch XD
 * clear. */
static bool entry_serves(uint64_t pte, enum mmu_access acc, bool user, bool wp)
{
    if (user && !(pte & X86_PTE_US))
        return false;
    if (acc == MMU_WRITE && (!(pte & X86_PTE_D) || (!(pte & X86_PTE_RW) && (user || wp))))
        return false;
    if (acc == MMU_EXEC && (pte & X86_PTE_XD))
        return false;
    return true;
}

static void quick_path_is_mmu_translate_for_every_entry_and_access(void **state)
{
    (void)state;
    const uint64_t bits[] = {X86_PTE_RW, X86_PTE_US, X86_PTE_XD, X86_PTE_D};
    const enum mmu_access accs[] = {MMU_READ, MMU_WRITE, MMU_EXEC};
    unsigned quick_hits = 0;
    for (unsigned combo = 0; combo < 16; combo++) {
        uint64_t pte = X86_PTE_A;
        for (unsigned b = 0; b < 4; b++)
            if (combo & (1u << b))
                pte |= bits[b];
        for (unsigned wp = 0; wp < 2; wp++) {
            for (size_t k = 0; k < 3; k++) {
                for (unsigned user = 0; user < 2; user++) {
                    enum mmu_access acc = accs[k];
                    struct rig a, b;
                    rig_init(&a, 64, 4, pte);
                    rig_init(&b, 64, 4, pte);
                    const uint64_t va = (UINT64_C(5) << 12) | 0x238;
                    /* A supervisor read caches the entry in both. */
                    struct mmu_request prime = {va, MMU_READ, false, false};
                    struct mmu_result res;
                    assert_true(mmu_translate(&a.m, &prime, &res));
                    assert_true(mmu_translate(&b.m, &prime, &res));
                    a.cpu.cr0 |= wp ? X86_CR0_WP : 0;
                    b.cpu.cr0 |= wp ? X86_CR0_WP : 0;
                    bool serves = entry_serves(pte, acc, user, wp);

                    struct mmu_request rq = {va, acc, user != 0, false};
                    struct mmu_result ra;
                    bool ok_a = mmu_translate(&a.m, &rq, &ra);
                    /* mmu_translate serves from the TLB exactly when the rule says. */
                    assert_int_equal(ok_a && ra.tlb_hit, serves);

                    uint64_t pa = 0;
                    unsigned flags = 0;
                    bool ok_b;
                    if (!user && mmu_translate_quick(&b.m, va, acc, &pa, &flags)) {
                        assert_true(serves);
                        quick_hits++;
                        ok_b = true;
                    } else {
                        /* The quick path declines exactly what the rule refuses. */
                        assert_true(user || !serves);
                        struct mmu_result rb;
                        ok_b = mmu_translate(&b.m, &rq, &rb);
                        pa = rb.pa;
                    }
                    assert_int_equal(ok_a, ok_b);
                    if (ok_a)
                        assert_hex_equal(pa, ra.pa);
                    assert_rigs_agree(&a, &b);
                    rig_fini(&a);
                    rig_fini(&b);
                }
            }
        }
    }
    assert_true(quick_hits > 0);
}

/* One seeded step on a rig: through the memo (memo != NULL) or through plain
 * translations, the same accesses, counts and side effects. Returns the
 * value loaded (or 0). */
static uint64_t rig_step(struct rig *r, struct mmu_memo *memo, uint64_t *faults, uint64_t x)
{
    /* Mostly a few pages, as the heap's metadata; now and then any. */
    unsigned page = (unsigned)((x >> 8) % ((x >> 60) == 0 ? RIG_PAGES : 3));
    uint64_t va = ((uint64_t)page << 12) | (((x >> 16) % 512) * 8);
    uint64_t v = x * 0x9E3779B97F4A7C15u;
    switch (x % 16) {
    case 0: { /* move the page to the other frame, without INVLPG: stale entries */
        uint64_t frame = (((x >> 5) & 1) ? RIG_ALT : RIG_FRAME) + ((uint64_t)page << 12);
        uint64_t dirty = ((x >> 6) & 1) ? X86_PTE_D : 0;
        phys_store64(r->ph, RIG_PT + 8 * page, frame | X86_PTE_P | X86_PTE_RW | dirty);
        return 0;
    }
    case 1:
        tlb_invlpg(r->tlb, va);
        return 0;
    case 2: /* CR0.WP and a page made read-only: the memo's registers */
        r->cpu.cr0 ^= X86_CR0_WP;
        phys_store64(r->ph, RIG_PT + 8 * page,
                     (RIG_FRAME + ((uint64_t)page << 12)) | X86_PTE_P | X86_PTE_D);
        tlb_invlpg(r->tlb, va);
        if (memo != NULL)
            mmu_memo_begin(&r->m, memo);
        return 0;
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        if (memo != NULL) {
            mmu_store64(&r->m, memo, va, v);
        } else {
            struct mmu_request rq = {va, MMU_WRITE, false, false};
            struct mmu_result res;
            if (mmu_translate(&r->m, &rq, &res))
                phys_store64(r->ph, res.pa, v);
            else
                (*faults)++;
        }
        return 0;
    default:
        if (memo != NULL)
            return mmu_load64(&r->m, memo, va);
        struct mmu_request rq = {va, MMU_READ, false, false};
        struct mmu_result res;
        if (!mmu_translate(&r->m, &rq, &res)) {
            (*faults)++;
            return 0;
        }
        return phys_load64(r->ph, res.pa);
    }
}

static void memo_counts_and_serves_what_translations_would(void **state)
{
    (void)state;
    /* Small TLBs: misses, evictions, hits on ways that are not the most
     * recent one, stale entries, 24 pages over 8 memo slots. */
    const unsigned geometry[][2] = {{4, 2}, {8, 1}, {2, 2}, {16, 4}};
    for (size_t g = 0; g < sizeof geometry / sizeof geometry[0]; g++) {
        struct rig a, b;
        uint64_t pte = X86_PTE_RW | X86_PTE_D;
        rig_init(&a, geometry[g][0], geometry[g][1], pte);
        rig_init(&b, geometry[g][0], geometry[g][1], pte);
        uint64_t faults_a = 0, faults_b = 0;
        struct mmu_memo memo;
        mmu_memo_init(&memo, &faults_a);
        uint64_t s = 0x243F6A8885A308D3u + g;
        for (unsigned i = 0; i < 20000; i++) {
            uint64_t x = rng_next(&s);
            if (i % 7 == 0)
                mmu_memo_begin(&a.m, &memo); /* an operation begins */
            uint64_t va_ = rig_step(&a, &memo, &faults_a, x);
            uint64_t vb = rig_step(&b, NULL, &faults_b, x);
            if (va_ != vb || faults_a != faults_b)
                fail_msg("TLB %u:%u: step %u differs", geometry[g][0], geometry[g][1], i);
            if (i % 64 == 0)
                assert_rigs_agree(&a, &b);
        }
        assert_rigs_agree(&a, &b);
        assert_true(tlb_stats(a.tlb).hits > 2000);
        assert_true(faults_a > 0); /* the read-only pages refused some stores */
        rig_fini(&a);
        rig_fini(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_machine_matches_listened_machine_in_every_mode),
        cmocka_unit_test(quiet_machine_matches_with_a_small_thrashing_tlb),
        cmocka_unit_test(quiet_machine_journals_the_same_chunks),
        cmocka_unit_test(quick_path_is_mmu_translate_for_every_entry_and_access),
        cmocka_unit_test(memo_counts_and_serves_what_translations_would),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
