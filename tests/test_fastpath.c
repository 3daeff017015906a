/*
 * test_fastpath.c - the simulator's fast paths (mmu_translate_quick, the
 * heap's page memos, tlb_promote_hit) change nothing a machine shows: a
 * machine nobody listens to (fast paths on) and one with a listener (every
 * access takes the general path) run the same seeded operations and must
 * agree on the whole state (RAM, TLB entries and LRU stamps, counters, heap)
 * after every operation, and on every chunk they hand to a journal.
 */
#include "helpers.h"

#include "sim/machine.h"
#include "sim/tlb.h"
#include "sim/tmem.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_machine_matches_listened_machine_in_every_mode),
        cmocka_unit_test(quiet_machine_matches_with_a_small_thrashing_tlb),
        cmocka_unit_test(quiet_machine_journals_the_same_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
