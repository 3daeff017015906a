/*
 * test_tlb.c - the set-associative LRU TLB: geometry, hits and misses, LRU
 * replacement, page sizes side by side, INVLPG and flushes (SDM Vol. 3A
 * 4.10.2, 4.10.4), state save/restore for replay, and the events it reports.
 * Ends with a seeded differential test against a naive move-to-front model.
 */
#include "helpers.h"

#include "sim/tlb.h"

static struct tlb_entry mk(uint64_t va, uint64_t pa, unsigned shift, unsigned flags)
{
    struct tlb_entry e = {0};
    e.va = va;
    e.pa = pa;
    e.shift = (uint8_t)shift;
    e.flags = (uint8_t)flags;
    return e;
}

static void put(struct tlb *t, uint64_t va, uint64_t pa, unsigned shift, unsigned flags)
{
    struct tlb_entry e = mk(va, pa, shift, flags);
    tlb_fill(t, &e, NULL);
}

static unsigned count_valid(const struct tlb *t)
{
    unsigned n = 0;
    for (unsigned s = 0; s < tlb_nsets(t); s++) {
        for (unsigned w = 0; w < tlb_nways(t); w++)
            n += tlb_entry_at(t, s, w)->valid != 0;
    }
    return n;
}

static void create_rejects_bad_geometry(void **state)
{
    (void)state;
    assert_null(tlb_create(0, 1));
    assert_null(tlb_create(64, 0));
    assert_null(tlb_create(64, 5)); /* ways do not divide */
    assert_null(tlb_create(48, 4)); /* 12 sets: not a power of two */
    assert_null(tlb_create(3, 1));
    assert_null(tlb_create(4, 8));                   /* more ways than entries */
    assert_null(tlb_create(TLB_MAX_ENTRIES * 2, 4)); /* too large */
}

static void create_accepts_good_geometry(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    assert_non_null(t);
    assert_int_equal(tlb_nentries(t), 64);
    assert_int_equal(tlb_nways(t), 4);
    assert_int_equal(tlb_nsets(t), 16);
    assert_int_equal(count_valid(t), 0);
    tlb_destroy(t);
    t = tlb_create(48, 3); /* 16 sets of 3 ways */
    assert_non_null(t);
    assert_int_equal(tlb_nsets(t), 16);
    tlb_destroy(t);
    t = tlb_create(1, 1);
    assert_non_null(t);
    tlb_destroy(t);
    t = tlb_create(TLB_MAX_ENTRIES, TLB_MAX_ENTRIES); /* fully associative */
    assert_non_null(t);
    assert_int_equal(tlb_nsets(t), 1);
    tlb_destroy(t);
    tlb_destroy(NULL);
}

static void miss_counts_and_leaves_out_unaltered(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    struct tlb_entry out = mk(0xAAAA000, 0xBBBB000, 12, 7);
    assert_false(tlb_lookup(t, 0x1234, &out));
    assert_hex_equal(out.va, 0xAAAA000);
    assert_hex_equal(out.pa, 0xBBBB000);
    struct tlb_stats st = tlb_stats(t);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 0);
    tlb_destroy(t);
}

static void fill_then_lookup_hits_anywhere_in_the_page(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0xd0001000, 0x107000, 12, TLB_F_RW | TLB_F_D);
    struct tlb_entry out;
    assert_true(tlb_lookup(t, 0xd0001000, &out));
    assert_true(tlb_lookup(t, 0xd0001FFF, &out));
    assert_hex_equal(out.va, 0xd0001000);
    assert_hex_equal(out.pa, 0x107000);
    assert_int_equal(out.shift, 12);
    assert_int_equal(out.flags, TLB_F_RW | TLB_F_D);
    assert_int_equal(out.valid, 1);
    assert_false(tlb_lookup(t, 0xd0002000, &out));
    assert_false(tlb_lookup(t, 0xd0000FFF, &out));
    struct tlb_stats st = tlb_stats(t);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 2);
    assert_int_equal(st.fills, 1);
    assert_int_equal(st.evictions, 0);
    tlb_destroy(t);
}

static void fill_aligns_page_and_frame(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0x12345678, 0xABCDE123, 12, 0);
    put(t, 0x40345678, 0x80312345, 21, 0);
    const struct tlb_entry *e = tlb_peek(t, 0x12345000);
    assert_non_null(e);
    assert_hex_equal(e->va, 0x12345000);
    assert_hex_equal(e->pa, 0xABCDE000);
    e = tlb_peek(t, 0x40200000);
    assert_non_null(e);
    assert_hex_equal(e->va, 0x40200000);
    assert_hex_equal(e->pa, 0x80200000);
    tlb_destroy(t);
}

static void fill_rejects_unknown_page_size(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    struct tlb_entry e = mk(0x1000, 0x2000, 13, 0);
    assert_false(tlb_fill(t, &e, NULL));
    e.shift = 0;
    assert_false(tlb_fill(t, &e, NULL));
    assert_int_equal(count_valid(t), 0);
    assert_int_equal(tlb_stats(t).fills, 0);
    tlb_destroy(t);
}

/* Pages 0, 4, 8, 12 (4 KiB) share set 0 of a TLB with 4 sets. */
static void lru_eviction_order_in_a_two_way_set(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    struct tlb_entry out, ev;
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0);
    assert_true(tlb_lookup(t, 0x0000, &out)); /* page 0 becomes most recent */
    struct tlb_entry c = mk(0x8000, 0xC000, 12, 0);
    assert_true(tlb_fill(t, &c, &ev));
    assert_hex_equal(ev.va, 0x4000);
    assert_hex_equal(ev.pa, 0xB000);
    assert_non_null(tlb_peek(t, 0x0000));
    assert_null(tlb_peek(t, 0x4000));
    assert_non_null(tlb_peek(t, 0x8000));

    /* Now 0 is older than 8: the next fill evicts 0. */
    struct tlb_entry d = mk(0xC000, 0xD000, 12, 0);
    assert_true(tlb_fill(t, &d, &ev));
    assert_hex_equal(ev.va, 0x0000);
    assert_null(tlb_peek(t, 0x0000));
    /* Other sets were not touched. */
    put(t, 0x1000, 0xE000, 12, 0);
    assert_non_null(tlb_peek(t, 0x8000));
    assert_non_null(tlb_peek(t, 0xC000));
    assert_int_equal(tlb_stats(t).evictions, 2);
    assert_int_equal(count_valid(t), 3);
    tlb_destroy(t);
}

static void fill_of_the_same_page_replaces_in_place(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0);
    struct tlb_entry e = mk(0x0000, 0xF000, 12, TLB_F_RW);
    struct tlb_entry ev = mk(1, 1, 12, 0);
    assert_false(tlb_fill(t, &e, &ev));
    assert_hex_equal(ev.va, 1); /* untouched: nothing evicted */
    assert_int_equal(count_valid(t), 2);
    assert_hex_equal(tlb_peek(t, 0x0000)->pa, 0xF000);
    assert_int_equal(tlb_peek(t, 0x0000)->flags, TLB_F_RW);
    assert_non_null(tlb_peek(t, 0x4000));
    assert_int_equal(tlb_stats(t).evictions, 0);
    assert_int_equal(tlb_stats(t).fills, 3);
    tlb_destroy(t);
}

static void fill_uses_an_invalid_way_before_evicting(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0);
    assert_int_equal(tlb_invlpg(t, 0x0000), 1);
    struct tlb_entry c = mk(0x8000, 0xC000, 12, 0);
    assert_false(tlb_fill(t, &c, NULL));
    assert_non_null(tlb_peek(t, 0x4000));
    assert_non_null(tlb_peek(t, 0x8000));
    tlb_destroy(t);
}

static void lookup_makes_the_entry_most_recent(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0);
    uint64_t before = tlb_peek(t, 0x0000)->lru;
    assert_true(before < tlb_peek(t, 0x4000)->lru);
    struct tlb_entry out;
    assert_true(tlb_lookup(t, 0x0123, &out));
    assert_true(tlb_peek(t, 0x0000)->lru > tlb_peek(t, 0x4000)->lru);
    assert_int_equal(out.lru, tlb_peek(t, 0x0000)->lru);
    tlb_destroy(t);
}

static void page_sizes_4k_2m_4m_1g_coexist(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(16, 4);
    put(t, 0x00001000, 0x00101000, 12, 0);
    put(t, 0x00200000, 0x00600000, 21, 0);
    put(t, 0x00800000, 0x01C00000, 22, 0);
    put(t, 0x40000000, 0x80000000, 30, TLB_F_G);
    struct tlb_entry out;
    assert_true(tlb_lookup(t, 0x00001234, &out));
    assert_int_equal(out.shift, 12);
    assert_true(tlb_lookup(t, 0x003FFFFF, &out));
    assert_int_equal(out.shift, 21);
    assert_hex_equal(out.pa, 0x00600000);
    assert_true(tlb_lookup(t, 0x00B00000, &out));
    assert_int_equal(out.shift, 22);
    assert_hex_equal(out.pa, 0x01C00000);
    assert_true(tlb_lookup(t, 0x7FFFFFFF, &out));
    assert_int_equal(out.shift, 30);
    assert_hex_equal(out.pa, 0x80000000);
    assert_false(tlb_lookup(t, 0x00002000, &out));
    assert_false(tlb_lookup(t, 0x00400000, &out));
    assert_false(tlb_lookup(t, 0x80000000, &out));
    assert_int_equal(tlb_stats(t).hits, 4);
    tlb_destroy(t);
}

static void smallest_page_size_is_probed_first(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(16, 4);
    put(t, 0x00200000, 0x00600000, 21, 0);
    put(t, 0x00201000, 0x00999000, 12, 0); /* a 4 KiB entry inside the 2 MiB page */
    struct tlb_entry out;
    assert_true(tlb_lookup(t, 0x00201010, &out));
    assert_int_equal(out.shift, 12);
    assert_hex_equal(out.pa, 0x00999000);
    assert_true(tlb_lookup(t, 0x00202010, &out));
    assert_int_equal(out.shift, 21);
    tlb_destroy(t);
}

static void invlpg_drops_one_page_global_or_not(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0x1000, 0xA000, 12, TLB_F_G);
    put(t, 0x2000, 0xB000, 12, 0);
    put(t, 0x3000, 0xC000, 12, 0);
    put(t, 0x11000, 0xD000, 12, 0); /* same set as 0x1000 */
    assert_int_equal(tlb_invlpg(t, 0x1FFF), 1);
    assert_null(tlb_peek(t, 0x1000));
    assert_non_null(tlb_peek(t, 0x11000));
    assert_int_equal(tlb_invlpg(t, 0x2000), 1);
    assert_null(tlb_peek(t, 0x2000));
    assert_non_null(tlb_peek(t, 0x3000));
    assert_int_equal(tlb_invlpg(t, 0x5000), 0);
    assert_int_equal(count_valid(t), 2);
    assert_int_equal(tlb_stats(t).invlpg, 3);
    tlb_destroy(t);
}

static void invlpg_inside_a_large_page_drops_it(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0x00200000, 0x00600000, 21, TLB_F_G);
    put(t, 0x00400000, 0x00800000, 21, 0);
    put(t, 0xC0000000, 0x40000000, 30, 0);
    put(t, 0x01000000, 0x01000000, 22, 0);
    assert_int_equal(tlb_invlpg(t, 0x003FF123), 1);
    assert_null(tlb_peek(t, 0x00200000));
    assert_non_null(tlb_peek(t, 0x00400000));
    assert_int_equal(tlb_invlpg(t, 0xDEADBEEF), 1);
    assert_null(tlb_peek(t, 0xC0000000));
    assert_int_equal(tlb_invlpg(t, 0x013FFFFF), 1);
    assert_null(tlb_peek(t, 0x01000000));
    assert_int_equal(count_valid(t), 1);
    tlb_destroy(t);
}

static void invlpg_drops_every_size_covering_the_address(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0x00200000, 0x00600000, 21, 0);
    put(t, 0x00201000, 0x00999000, 12, 0);
    put(t, 0x00202000, 0x00998000, 12, 0);
    assert_int_equal(tlb_invlpg(t, 0x00201800), 2);
    assert_null(tlb_peek(t, 0x00201000));
    assert_non_null(tlb_peek(t, 0x00202000));
    tlb_destroy(t);
}

static void flush_keep_global_drops_only_non_global(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(64, 4);
    put(t, 0x1000, 0xA000, 12, TLB_F_G);
    put(t, 0x2000, 0xB000, 12, 0);
    put(t, 0x00400000, 0x00400000, 22, TLB_F_G);
    put(t, 0x00800000, 0x00800000, 21, 0);
    assert_int_equal(tlb_flush(t, true), 2);
    assert_non_null(tlb_peek(t, 0x1000));
    assert_null(tlb_peek(t, 0x2000));
    assert_non_null(tlb_peek(t, 0x00500000));
    assert_null(tlb_peek(t, 0x00800000));
    assert_int_equal(tlb_flush(t, false), 2);
    assert_int_equal(count_valid(t), 0);
    assert_null(tlb_peek(t, 0x1000));
    assert_int_equal(tlb_flush(t, false), 0);
    assert_int_equal(tlb_stats(t).flushes, 3);
    /* After a flush the TLB fills as new. */
    put(t, 0x2000, 0xB000, 12, 0);
    assert_non_null(tlb_peek(t, 0x2000));
    tlb_destroy(t);
}

static void scalars_and_entries_restore_the_whole_state(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(16, 2);
    struct tlb_entry out;
    put(t, 0x00200000, 0x00600000, 21, 0);
    put(t, 0x3000, 0x9000, 12, 0);
    assert_true(tlb_lookup(t, 0x00212345, &out));
    assert_false(tlb_lookup(t, 0x5000, &out));

    size_t n = tlb_scalars_size();
    assert_true(n >= sizeof(struct tlb_stats));
    void *saved = malloc(n);
    struct tmem *m = tlb_tmem(t);
    assert_non_null(m);
    uint8_t *bytes = malloc(m->size);
    memcpy(bytes, m->data, m->size);
    tlb_scalars_save(t, saved);
    struct tlb_stats st0 = tlb_stats(t);

    tlb_flush(t, false);
    put(t, 0x7000, 0x1000, 12, 0);
    assert_true(tlb_lookup(t, 0x7000, &out));
    assert_false(tlb_lookup(t, 0x00200000, &out));

    memcpy(m->data, bytes, m->size); /* what replay does through the journal */
    tlb_scalars_load(t, saved);
    struct tlb_stats st1 = tlb_stats(t);
    assert_memory_equal(&st0, &st1, sizeof st0);
    /* The per-size counts came back too: the 2 MiB entry is probed again. */
    assert_non_null(tlb_peek(t, 0x00300000));
    assert_non_null(tlb_peek(t, 0x3000));
    assert_null(tlb_peek(t, 0x7000));
    /* And the LRU clock: a new fill is more recent than anything restored. */
    put(t, 0x13000, 0x2000, 12, 0); /* same set as 0x3000 (8 sets) */
    assert_true(tlb_peek(t, 0x13000)->lru > tlb_peek(t, 0x3000)->lru);
    free(saved);
    free(bytes);
    tlb_destroy(t);
}

static void peek_changes_nothing(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    struct recorder *r = calloc(1, sizeof *r);
    struct event_sink s = recorder_sink(r);
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0);
    tlb_set_sink(t, &s);
    struct tlb_stats st0 = tlb_stats(t);
    uint64_t lru0 = tlb_peek(t, 0x0000)->lru;
    for (int i = 0; i < 3; i++) {
        assert_non_null(tlb_peek(t, 0x0000));
        assert_null(tlb_peek(t, 0x9000));
    }
    struct tlb_stats st1 = tlb_stats(t);
    assert_memory_equal(&st0, &st1, sizeof st0);
    assert_int_equal(tlb_peek(t, 0x0000)->lru, lru0);
    assert_int_equal(r->n, 0);
    /* So 0x0000 is still the LRU way. */
    struct tlb_entry ev;
    struct tlb_entry c = mk(0x8000, 0xC000, 12, 0);
    assert_true(tlb_fill(t, &c, &ev));
    assert_hex_equal(ev.va, 0x0000);
    free(r);
    tlb_destroy(t);
}

static void events_reach_the_sink(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    struct recorder *r = calloc(1, sizeof *r);
    struct event_sink s = recorder_sink(r);
    tlb_set_sink(t, &s);
    struct tlb_entry out;

    assert_false(tlb_lookup(t, 0x00201234, &out));
    put(t, 0x00200000, 0x00600000, 21, 0);
    assert_true(tlb_lookup(t, 0x00201234, &out));
    put(t, 0x0000, 0xA000, 12, TLB_F_G);
    put(t, 0x4000, 0xB000, 12, 0);
    put(t, 0x8000, 0xC000, 12, 0); /* evicts 0x0000 */
    tlb_invlpg(t, 0x8000);
    tlb_flush(t, true);

    const enum event_kind want[] = {
        EV_TLB_MISS,  EV_TLB_FILL, EV_TLB_HIT,    EV_TLB_FILL,  EV_TLB_FILL,
        EV_TLB_EVICT, EV_TLB_FILL, EV_TLB_INVLPG, EV_TLB_FLUSH,
    };
    assert_int_equal(r->n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->n; i++)
        assert_int_equal(r->ev[i].kind, want[i]);
    assert_hex_equal(r->ev[0].va, 0x00201234);
    assert_hex_equal(r->ev[1].va, 0x00200000);
    assert_hex_equal(r->ev[1].pa, 0x00600000);
    assert_hex_equal(r->ev[1].size, 0x200000);
    assert_hex_equal(r->ev[2].va, 0x00201234);
    assert_hex_equal(r->ev[2].pa, 0x00601234); /* the translated address */
    assert_hex_equal(r->ev[2].size, 0x200000);
    assert_hex_equal(r->ev[5].va, 0x0000);
    assert_hex_equal(r->ev[5].pa, 0xA000);
    assert_hex_equal(r->ev[7].va, 0x8000);
    assert_int_equal(r->ev[7].count, 1);
    assert_int_equal(r->ev[8].extra, 1);
    assert_int_equal(r->ev[8].count, 2); /* 0x4000 and the 2 MiB page */

    /* Detached: nothing more. */
    recorder_clear(r);
    tlb_set_sink(t, NULL);
    assert_false(tlb_lookup(t, 0x5000, &out));
    tlb_flush(t, false);
    assert_int_equal(r->n, 0);
    free(r);
    tlb_destroy(t);
}

static void invalidate_page_drops_every_size_silently(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(16, 2);
    struct recorder *r = calloc(1, sizeof *r);
    struct event_sink s = recorder_sink(r);
    put(t, 0x00200000, 0x00600000, 21, TLB_F_G); /* 2 MiB page holding 0x00203000 */
    put(t, 0x00203000, 0x9000, 12, 0);
    put(t, 0x00204000, 0xA000, 12, 0); /* another 4 KiB page of the same 2 MiB range */
    tlb_set_sink(t, &s);
    struct tlb_stats st0 = tlb_stats(t);

    assert_int_equal(tlb_invalidate_page(t, 0x00203ABC), 2);
    assert_null(tlb_peek(t, 0x00203000));
    assert_non_null(tlb_peek(t, 0x00204000)); /* served by its own 4 KiB entry */
    assert_null(tlb_peek(t, 0x00205000));     /* the 2 MiB entry went too, global or not */
    assert_int_equal(count_valid(t), 1);
    assert_int_equal(tlb_invalidate_page(t, 0x00203ABC), 0);

    /* No INVLPG ran: no counter moved, no event. */
    struct tlb_stats st1 = tlb_stats(t);
    assert_memory_equal(&st0, &st1, sizeof st0);
    assert_int_equal(r->n, 0);
    /* The per-size counts followed: only 4 KiB pages are left to probe. */
    put(t, 0x00213000, 0xB000, 12, 0);
    assert_non_null(tlb_peek(t, 0x00213000));
    free(r);
    tlb_destroy(t);
}

struct save_counter {
    unsigned saves;
};

static void count_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    (void)m;
    (void)chunk;
    (void)old;
    (void)len;
    ((struct save_counter *)ctx)->saves++;
}

static void hit_on_the_most_recent_way_writes_nothing(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2); /* 4 sets */
    put(t, 0x0000, 0xA000, 12, 0);
    put(t, 0x4000, 0xB000, 12, 0); /* same set, now the most recent */
    struct save_counter sc = {0};
    struct tmem_journal j = {count_save, &sc};
    tmem_set_journal(tlb_tmem(t), &j);
    struct tlb_entry out;

    assert_true(tlb_lookup(t, 0x4123, &out));
    assert_true(tlb_lookup(t, 0x4456, &out));
    assert_int_equal(sc.saves, 0); /* nothing changed in tracked memory */
    assert_int_equal(tlb_stats(t).hits, 2);

    /* A hit on the other way does write: it becomes the most recent. */
    assert_true(tlb_lookup(t, 0x0789, &out));
    assert_int_equal(sc.saves, 1);
    assert_true(tlb_peek(t, 0x0000)->lru > tlb_peek(t, 0x4000)->lru);
    assert_int_equal(tlb_peek(t, 0x0000)->mru, 1);
    assert_int_equal(tlb_peek(t, 0x4000)->mru, 0);
    tmem_epoch(tlb_tmem(t));
    assert_true(tlb_lookup(t, 0x0000, &out));
    assert_int_equal(sc.saves, 1);

    /* And LRU order is intact: the next fill of the set evicts 0x4000. */
    struct tlb_entry ev;
    struct tlb_entry c = mk(0x8000, 0xC000, 12, 0);
    assert_true(tlb_fill(t, &c, &ev));
    assert_hex_equal(ev.va, 0x4000);
    tmem_set_journal(tlb_tmem(t), NULL);
    tlb_destroy(t);
}

static void quick_and_general_lookups_agree(void **state)
{
    (void)state;
    /* Two TLBs fed the same seeded operations; one has a listener, so every
     * lookup takes the general path, the other the inline one where it can. */
    struct tlb *q = tlb_create(32, 4);
    struct tlb *g = tlb_create(32, 4);
    struct recorder *r = calloc(1, sizeof *r);
    struct event_sink s = recorder_sink(r);
    tlb_set_sink(g, &s);
    srand(777);
    for (int step = 0; step < 20000; step++) {
        unsigned shift = (rand() % 16) ? 12 : 21;
        uint64_t va = ((uint64_t)(rand() % 96) << 12) | (uint64_t)(rand() % 4096);
        if (shift == 21)
            va = ((uint64_t)(rand() % 4) << 21) | (uint64_t)(rand() % 0x200000);
        int op = rand() % 100;
        if (op < 60) {
            const struct tlb_entry *a = tlb_lookup_ref(q, va);
            const struct tlb_entry *b = tlb_lookup_ref(g, va);
            assert_int_equal(a != NULL, b != NULL);
            if (a != NULL) {
                assert_hex_equal(a->va, b->va);
                assert_hex_equal(a->pa, b->pa);
                assert_int_equal(a->shift, b->shift);
            }
        } else if (op < 95) {
            struct tlb_entry e = mk(va, va ^ 0x40000000, shift, 0);
            assert_int_equal(tlb_fill(q, &e, NULL), tlb_fill(g, &e, NULL));
        } else {
            assert_int_equal(tlb_invalidate_page(q, va), tlb_invalidate_page(g, va));
        }
        if (rand() % 500 == 0) {
            tlb_flush(q, false);
            tlb_flush(g, false);
        }
    }
    struct tlb_stats a = tlb_stats(q);
    struct tlb_stats b = tlb_stats(g);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(a.hits > 1000 && a.misses > 1000);
    /* The very same state, stamps and MRU flags included. */
    assert_memory_equal(tlb_tmem(q)->data, tlb_tmem(g)->data,
                        tlb_nentries(q) * sizeof(struct tlb_entry));
    free(r);
    tlb_destroy(q);
    tlb_destroy(g);
}

/* The whole state of t: its entries and its scalars. */
struct snap {
    uint8_t e[64 * sizeof(struct tlb_entry)];
    uint8_t sc[256];
};

static void snap_of(struct tlb *t, struct snap *s)
{
    assert_true(tlb_nentries(t) * sizeof(struct tlb_entry) <= sizeof s->e);
    assert_true(tlb_scalars_size() <= sizeof s->sc);
    memset(s, 0, sizeof *s);
    memcpy(s->e, tlb_tmem(t)->data, tlb_nentries(t) * sizeof(struct tlb_entry));
    tlb_scalars_save(t, s->sc);
}

static void quick_probe_changes_nothing_and_its_halves_make_a_lookup(void **state)
{
    (void)state;
    /* p is probed with tlb_find_quick/tlb_find_mru and then takes the hit or
     * the miss (tlb_take_hit, tlb_take_miss); l only ever calls
     * tlb_lookup_ref; u calls tlb_lookup_mru and, when it declines,
     * tlb_lookup_ref. All get the same fills: they must stay the same TLB,
     * and a probe alone must change nothing. */
    struct tlb *p = tlb_create(16, 4);
    struct tlb *l = tlb_create(16, 4);
    struct tlb *u = tlb_create(16, 4); /* tlb_lookup_mru, else tlb_lookup_ref */
    srand(4242);
    unsigned found = 0, found_other_way = 0, missed = 0, declined = 0;
    for (int step = 0; step < 20000; step++) {
        /* Page 0 too: an invalid way (all zeros) matches it. */
        uint64_t va = ((uint64_t)(rand() % 40) << 12) | (uint64_t)(rand() % 4096);
        if (rand() % 3 == 0) {
            struct tlb_entry e = mk(va, va ^ 0x80000000, 12, 0);
            tlb_fill(p, &e, NULL);
            tlb_fill(l, &e, NULL);
            tlb_fill(u, &e, NULL);
            continue;
        }
        if (rand() % 200 == 0) {
            tlb_invalidate_page(p, va);
            tlb_invalidate_page(l, va);
            tlb_invalidate_page(u, va);
            continue;
        }
        bool miss_u;
        const struct tlb_entry *hu = tlb_lookup_mru(u, va, &miss_u);
        if (hu == NULL && !miss_u)
            hu = tlb_lookup_ref(u, va);
        struct snap before, after;
        snap_of(p, &before);
        bool miss, miss_mru;
        const struct tlb_entry *e = tlb_find_quick(p, va, &miss);
        const struct tlb_entry *m = tlb_find_mru(p, va, &miss_mru);
        snap_of(p, &after);
        assert_memory_equal(&before, &after, sizeof before);
        assert_int_equal(miss, miss_mru);
        const struct tlb_entry *want = tlb_lookup_ref(l, va);
        if (e != NULL) {
            /* The MRU probe finds the same entry, or declines another way. */
            assert_true(m == e || (m == NULL && !e->mru && !miss_mru));
            found++;
            found_other_way += !e->mru;
            tlb_take_hit(p, e);
            assert_non_null(want);
            assert_int_equal(e - tlb_entry_at(p, 0, 0), want - tlb_entry_at(l, 0, 0));
        } else if (miss) {
            assert_null(m);
            missed++;
            tlb_take_miss(p);
            assert_null(want);
        } else {
            assert_null(m);
            declined++;
            tlb_lookup_ref(p, va);
        }
        assert_int_equal(hu != NULL, want != NULL);
        snap_of(p, &before);
        snap_of(l, &after);
        assert_memory_equal(&before, &after, sizeof before);
        snap_of(u, &before);
        assert_memory_equal(&before, &after, sizeof before);
    }
    assert_true(found > 1000 && found_other_way > 100 && missed > 1000 && declined > 0);
    tlb_destroy(p);
    tlb_destroy(l);
    tlb_destroy(u);
}

static void quick_probe_declines_what_it_cannot_decide(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    bool miss = true;
    /* Page 0 in an empty set: the invalid ways match it; the general path
     * finds that it is a miss. */
    assert_null(tlb_find_quick(t, 0x123, &miss));
    assert_false(miss);
    put(t, 0x0000, 0x5000, 12, 0);
    put(t, 0x4000, 0x6000, 12, 0); /* same set: page 0 is no longer the MRU way */
    assert_null(tlb_find_quick(t, 0x10, &miss));
    assert_false(miss);
    assert_non_null(tlb_find_quick(t, 0x4010, &miss)); /* the MRU way */
    /* Another page size cached: every probe declines. */
    put(t, 0x200000, 0x400000, 21, 0);
    assert_null(tlb_find_quick(t, 0x4010, &miss));
    assert_false(miss);
    assert_null(tlb_find_mru(t, 0x4010, &miss));
    assert_false(miss);
    tlb_invalidate_page(t, 0x200000);
    assert_non_null(tlb_find_quick(t, 0x4010, &miss));
    /* A listener: every probe declines, so that the lookup reports. */
    struct recorder *r = calloc(1, sizeof *r);
    struct event_sink s = recorder_sink(r);
    tlb_set_sink(t, &s);
    assert_null(tlb_find_quick(t, 0x4010, &miss));
    assert_false(miss);
    tlb_set_sink(t, NULL);
    assert_non_null(tlb_find_quick(t, 0x4010, &miss));
    free(r);
    tlb_destroy(t);
}

static void entry_at_reports_sets_and_ways(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(8, 2);
    put(t, 0x3000, 0xA000, 12, 0); /* page 3: set 3 */
    const struct tlb_entry *e = tlb_entry_at(t, 3, 0);
    assert_non_null(e);
    assert_int_equal(e->valid, 1);
    assert_hex_equal(e->va, 0x3000);
    assert_int_equal(tlb_entry_at(t, 3, 1)->valid, 0);
    assert_null(tlb_entry_at(t, 4, 0));
    assert_null(tlb_entry_at(t, 0, 2));
    /* A 2 MiB page goes to the set of its 2 MiB page number: 0x600000 >> 21 = 3. */
    put(t, 0x600000, 0x200000, 21, 0);
    assert_int_equal(tlb_entry_at(t, 3, 1)->valid, 1);
    assert_int_equal(tlb_entry_at(t, 3, 1)->shift, 21);
    tlb_destroy(t);
}

/* A naive model: per set, a list of (page, shift) in recency order, most
 * recent first. */
#define M_SETS 4
#define M_WAYS 3
struct model {
    uint64_t page[M_SETS][M_WAYS];
    unsigned shift[M_SETS][M_WAYS];
    bool global[M_SETS][M_WAYS];
    unsigned n[M_SETS];
};

static void model_remove(struct model *m, unsigned s, unsigned i)
{
    for (unsigned j = i; j + 1 < m->n[s]; j++) {
        m->page[s][j] = m->page[s][j + 1];
        m->shift[s][j] = m->shift[s][j + 1];
        m->global[s][j] = m->global[s][j + 1];
    }
    m->n[s]--;
}

static void model_front(struct model *m, unsigned s, uint64_t page, unsigned shift, bool g)
{
    for (unsigned j = m->n[s]; j > 0; j--) {
        m->page[s][j] = m->page[s][j - 1];
        m->shift[s][j] = m->shift[s][j - 1];
        m->global[s][j] = m->global[s][j - 1];
    }
    m->page[s][0] = page;
    m->shift[s][0] = shift;
    m->global[s][0] = g;
    m->n[s]++;
}

static int model_find(const struct model *m, uint64_t va, unsigned shift)
{
    unsigned s = (unsigned)((va >> shift) % M_SETS);
    for (unsigned i = 0; i < m->n[s]; i++) {
        if (m->shift[s][i] == shift && m->page[s][i] == va >> shift)
            return (int)i;
    }
    return -1;
}

static void tlb_agrees_with_a_naive_lru_model(void **state)
{
    (void)state;
    struct tlb *t = tlb_create(M_SETS * M_WAYS, M_WAYS);
    struct model m;
    memset(&m, 0, sizeof m);
    srand(12345);
    uint64_t hits = 0;
    for (int step = 0; step < 20000; step++) {
        unsigned shift = (rand() % 4) ? 12 : 21;
        uint64_t va = ((uint64_t)(rand() % 64) << 12) | (uint64_t)(rand() % 4096);
        if (shift == 21)
            va = ((uint64_t)(rand() % 8) << 21) | (uint64_t)(rand() % 0x200000);
        int op = rand() % 100;
        if (op < 50) {
            struct tlb_entry out;
            bool hit = tlb_lookup(t, va, &out);
            int want = -1;
            unsigned ws = 0;
            for (unsigned k = 0; k < 2 && want < 0; k++) {
                ws = k == 0 ? 12 : 21;
                want = model_find(&m, va, ws);
            }
            assert_int_equal(hit, want >= 0);
            if (hit) {
                hits++;
                assert_int_equal(out.shift, ws);
                assert_hex_equal(out.va >> ws, va >> ws);
                unsigned s = (unsigned)((va >> ws) % M_SETS);
                bool g = m.global[s][want];
                model_remove(&m, s, (unsigned)want);
                model_front(&m, s, va >> ws, ws, g);
            }
        } else if (op < 90) {
            bool g = rand() % 5 == 0;
            struct tlb_entry e = mk(va, va ^ 0x40000000, shift, g ? TLB_F_G : 0);
            struct tlb_entry ev;
            bool evicted = tlb_fill(t, &e, &ev);
            unsigned s = (unsigned)((va >> shift) % M_SETS);
            int i = model_find(&m, va, shift);
            bool want_evict = false;
            if (i >= 0) {
                model_remove(&m, s, (unsigned)i);
            } else if (m.n[s] == M_WAYS) {
                want_evict = true;
                assert_hex_equal(ev.va >> ev.shift, m.page[s][M_WAYS - 1]);
                assert_int_equal(ev.shift, m.shift[s][M_WAYS - 1]);
                m.n[s]--;
            }
            assert_int_equal(evicted, want_evict);
            model_front(&m, s, va >> shift, shift, g);
        } else if (op < 97) {
            unsigned dropped = tlb_invlpg(t, va);
            unsigned want = 0;
            for (unsigned k = 0; k < 2; k++) {
                unsigned ws = k == 0 ? 12 : 21;
                int i = model_find(&m, va, ws);
                if (i >= 0) {
                    model_remove(&m, (unsigned)((va >> ws) % M_SETS), (unsigned)i);
                    want++;
                }
            }
            assert_int_equal(dropped, want);
        } else {
            bool keep = rand() % 2;
            unsigned want = 0;
            for (unsigned s = 0; s < M_SETS; s++) {
                for (unsigned i = m.n[s]; i > 0; i--) {
                    if (!(keep && m.global[s][i - 1])) {
                        model_remove(&m, s, i - 1);
                        want++;
                    }
                }
            }
            assert_int_equal(tlb_flush(t, keep), want);
        }
        unsigned total = 0;
        for (unsigned s = 0; s < M_SETS; s++)
            total += m.n[s];
        assert_int_equal(count_valid(t), total);
    }
    assert_int_equal(tlb_stats(t).hits, hits);
    assert_true(hits > 1000);
    tlb_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_rejects_bad_geometry),
        cmocka_unit_test(create_accepts_good_geometry),
        cmocka_unit_test(miss_counts_and_leaves_out_unaltered),
        cmocka_unit_test(fill_then_lookup_hits_anywhere_in_the_page),
        cmocka_unit_test(fill_aligns_page_and_frame),
        cmocka_unit_test(fill_rejects_unknown_page_size),
        cmocka_unit_test(lru_eviction_order_in_a_two_way_set),
        cmocka_unit_test(fill_of_the_same_page_replaces_in_place),
        cmocka_unit_test(fill_uses_an_invalid_way_before_evicting),
        cmocka_unit_test(lookup_makes_the_entry_most_recent),
        cmocka_unit_test(page_sizes_4k_2m_4m_1g_coexist),
        cmocka_unit_test(smallest_page_size_is_probed_first),
        cmocka_unit_test(invlpg_drops_one_page_global_or_not),
        cmocka_unit_test(invlpg_inside_a_large_page_drops_it),
        cmocka_unit_test(invlpg_drops_every_size_covering_the_address),
        cmocka_unit_test(flush_keep_global_drops_only_non_global),
        cmocka_unit_test(scalars_and_entries_restore_the_whole_state),
        cmocka_unit_test(peek_changes_nothing),
        cmocka_unit_test(events_reach_the_sink),
        cmocka_unit_test(invalidate_page_drops_every_size_silently),
        cmocka_unit_test(hit_on_the_most_recent_way_writes_nothing),
        cmocka_unit_test(quick_and_general_lookups_agree),
        cmocka_unit_test(quick_probe_changes_nothing_and_its_halves_make_a_lookup),
        cmocka_unit_test(quick_probe_declines_what_it_cannot_decide),
        cmocka_unit_test(entry_at_reports_sets_and_ways),
        cmocka_unit_test(tlb_agrees_with_a_naive_lru_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
