/*
 * test_pfa.c - the bytemap page-frame allocator: lowest-free order, the hint,
 * the memory map, error reports that change nothing, claims, roles, counts,
 * a differential test against the seed's full-scan bytemap, and undo through
 * the tracked-memory journal.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pfa.h"
#include "sim/tmem.h"

/* --- helpers --- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: seeded, deterministic. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Everything observable about an allocator, to check "nothing changed". */
struct snap {
    uint64_t n;
    uint8_t *map;
    uint8_t *roles;
    struct pfa_stats st;
    uint8_t scalars[256];
};

static void snap_take(const struct pfa *a, struct snap *s)
{
    s->st = pfa_stats(a);
    s->n = s->st.total;
    s->map = malloc((size_t)s->n);
    s->roles = malloc((size_t)s->n);
    assert_non_null(s->map);
    assert_non_null(s->roles);
    memcpy(s->map, pfa_bytemap(a), (size_t)s->n);
    memcpy(s->roles, pfa_roles(a), (size_t)s->n);
    assert_true(pfa_scalars_size() <= sizeof s->scalars);
    memset(s->scalars, 0, sizeof s->scalars);
    pfa_scalars_save(a, s->scalars);
}

static void snap_check_same(const struct pfa *a, struct snap *s)
{
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.total, s->st.total);
    assert_int_equal(st.free, s->st.free);
    assert_int_equal(st.used, s->st.used);
    assert_int_equal(st.reserved, s->st.reserved);
    assert_memory_equal(pfa_bytemap(a), s->map, (size_t)s->n);
    assert_memory_equal(pfa_roles(a), s->roles, (size_t)s->n);
    uint8_t now[256];
    memset(now, 0, sizeof now);
    pfa_scalars_save(a, now);
    assert_memory_equal(now, s->scalars, pfa_scalars_size());
}

static void snap_free(struct snap *s)
{
    free(s->map);
    free(s->roles);
}

/* Counts the bytemap the slow way and compares with pfa_stats(). */
static void check_stats_match_bytemap(const struct pfa *a)
{
    struct pfa_stats st = pfa_stats(a);
    const uint8_t *m = pfa_bytemap(a);
    uint64_t c[3] = {0, 0, 0};
    for (uint64_t i = 0; i < st.total; i++) {
        assert_true(m[i] <= PFA_RESERVED);
        c[m[i]]++;
    }
    assert_int_equal(st.free, c[PFA_FREE]);
    assert_int_equal(st.used, c[PFA_USED]);
    assert_int_equal(st.reserved, c[PFA_RESERVED]);
    assert_int_equal(st.free + st.used + st.reserved, st.total);
}

static uint64_t must_alloc(struct pfa *a, enum frame_role role)
{
    uint64_t pfn = UINT64_MAX;
    assert_int_equal(pfa_alloc(a, role, &pfn), PFA_OK);
    return pfn;
}

/* --- creation --- */

static void create_rejects_zero_frames(void **state)
{
    (void)state;
    assert_null(pfa_create(0));
    pfa_destroy(NULL);
}

static void fresh_allocator_is_all_free(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(1000);
    assert_non_null(a);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.total, 1000);
    assert_int_equal(st.free, 1000);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.reserved, 0);
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(pfa_state(a, i), PFA_FREE);
        assert_int_equal(pfa_role(a, i), ROLE_NONE);
    }
    pfa_destroy(a);
}

/* --- allocation order and the hint --- */

static void alloc_hands_out_lowest_free_frame_in_order(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(100);
    for (uint64_t i = 0; i < 100; i++) {
        assert_int_equal(must_alloc(a, ROLE_HEAP), i);
        assert_int_equal(pfa_state(a, i), PFA_USED);
    }
    check_stats_match_bytemap(a);
    pfa_destroy(a);
}

static void hint_never_skips_a_freed_lower_frame(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(64);
    for (int i = 0; i < 40; i++)
        must_alloc(a, ROLE_HEAP);
    /* Free a low frame after the hint has moved far past it. */
    assert_int_equal(pfa_free(a, 3), PFA_OK);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 3);
    /* Then the scan continues after the highest allocated frame. */
    assert_int_equal(must_alloc(a, ROLE_HEAP), 40);
    /* Free two, the higher first: both come back lowest first. */
    assert_int_equal(pfa_free(a, 30), PFA_OK);
    assert_int_equal(pfa_free(a, 10), PFA_OK);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 10);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 30);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 41);
    pfa_destroy(a);
}

static void freed_frames_come_back_in_ascending_order(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(50);
    for (int i = 0; i < 50; i++)
        must_alloc(a, ROLE_NONE);
    const uint64_t order[] = {44, 7, 21, 0, 49, 13};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        assert_int_equal(pfa_free(a, order[i]), PFA_OK);
    const uint64_t expect[] = {0, 7, 13, 21, 44, 49};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        assert_int_equal(must_alloc(a, ROLE_NONE), expect[i]);
    uint64_t pfn = 12345;
    assert_int_equal(pfa_alloc(a, ROLE_NONE, &pfn), PFA_ERR_NO_MEMORY);
    assert_int_equal(pfn, 12345);
    pfa_destroy(a);
}

/* --- the memory map --- */

static void reserve_marks_partial_frames_whole(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(16);
    /* [0x1FFF, 0x3001) touches frames 1, 2 and 3 by one byte at each end. */
    pfa_reserve(a, 0x1FFF, 0x3001, ROLE_NONE);
    assert_int_equal(pfa_state(a, 0), PFA_FREE);
    assert_int_equal(pfa_state(a, 1), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 2), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 3), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 4), PFA_FREE);
    /* ROLE_NONE in a reserve means firmware. */
    assert_int_equal(pfa_role(a, 1), ROLE_FIRMWARE);
    /* A single byte reserves its whole frame; an end on a frame boundary
     * does not reserve the next frame. */
    pfa_reserve(a, 0x5800, 0x5801, ROLE_DEVICE);
    pfa_reserve(a, 0x7000, 0x8000, ROLE_KERNEL);
    assert_int_equal(pfa_state(a, 5), PFA_RESERVED);
    assert_int_equal(pfa_role(a, 5), ROLE_DEVICE);
    assert_int_equal(pfa_state(a, 6), PFA_FREE);
    assert_int_equal(pfa_state(a, 7), PFA_RESERVED);
    assert_int_equal(pfa_role(a, 7), ROLE_KERNEL);
    assert_int_equal(pfa_state(a, 8), PFA_FREE);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.reserved, 5);
    assert_int_equal(st.free, 11);
    check_stats_match_bytemap(a);
    pfa_destroy(a);
}

static void reserve_ignores_empty_ranges_and_bytes_past_the_end(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(8);
    struct snap s;
    snap_take(a, &s);
    pfa_reserve(a, 0x3000, 0x3000, ROLE_NONE);  /* empty */
    pfa_reserve(a, 0x5000, 0x2000, ROLE_NONE);  /* reversed */
    pfa_reserve(a, 0x8000, 0x10000, ROLE_NONE); /* wholly past the end */
    pfa_reserve(a, UINT64_MAX - 5, UINT64_MAX, ROLE_NONE);
    snap_check_same(a, &s);
    snap_free(&s);
    /* Straddling the end: only the frames inside RAM. */
    pfa_reserve(a, 0x6800, UINT64_MAX, ROLE_NONE);
    assert_int_equal(pfa_state(a, 5), PFA_FREE);
    assert_int_equal(pfa_state(a, 6), PFA_RESERVED);
    assert_int_equal(pfa_state(a, 7), PFA_RESERVED);
    assert_int_equal(pfa_stats(a).reserved, 2);
    check_stats_match_bytemap(a);
    pfa_destroy(a);
}

static void reserved_frames_are_never_handed_out(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(256);
    pfa_reserve(a, 0, 0x1000, ROLE_NONE);         /* frame 0 (real mode IVT) */
    pfa_reserve(a, 0xA0000, 0x100000, ROLE_NONE); /* VGA and BIOS: 0xA0..0xFF */
    uint64_t n = 0;
    uint64_t pfn;
    while (pfa_alloc(a, ROLE_HEAP, &pfn) == PFA_OK) {
        assert_true(pfn != 0);
        assert_true(pfn < 0xA0 || pfn >= 0x100);
        n++;
    }
    assert_int_equal(n, 256 - 1 - 0x60);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.free, 0);
    assert_int_equal(st.used, n);
    assert_int_equal(st.reserved, 1 + 0x60);
    pfa_destroy(a);
}

static void reserve_over_allocated_frames_keeps_counts_right(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(32);
    for (int i = 0; i < 10; i++)
        must_alloc(a, ROLE_HEAP);
    assert_int_equal(pfa_claim(a, 20, ROLE_DEVICE), PFA_OK);
    /* Frames 8..21: 8, 9 and 20 allocated, the rest free. */
    pfa_reserve(a, 0x8000, 0x16000, ROLE_NONE);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.used, 8);
    assert_int_equal(st.reserved, 14);
    assert_int_equal(st.free, 10);
    check_stats_match_bytemap(a);
    /* Reserving again changes no count. */
    pfa_reserve(a, 0x8000, 0x16000, ROLE_DEVICE);
    assert_int_equal(pfa_stats(a).reserved, 14);
    assert_int_equal(pfa_role(a, 9), ROLE_DEVICE);
    /* The former allocations are now reserved: freeing them is refused. */
    assert_int_equal(pfa_free(a, 9), PFA_ERR_RESERVED);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 22);
    check_stats_match_bytemap(a);
    pfa_destroy(a);
}

/* --- errors change nothing --- */

static void double_free_reports_and_changes_nothing(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(20);
    for (int i = 0; i < 5; i++)
        must_alloc(a, ROLE_PT);
    assert_int_equal(pfa_free(a, 2), PFA_OK);
    struct snap s;
    snap_take(a, &s);
    assert_int_equal(pfa_free(a, 2), PFA_ERR_NOT_ALLOCATED);
    assert_int_equal(pfa_free(a, 15), PFA_ERR_NOT_ALLOCATED); /* never allocated */
    snap_check_same(a, &s);
    snap_free(&s);
    pfa_destroy(a);
}

static void freeing_a_reserved_frame_reports_and_changes_nothing(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(20);
    pfa_reserve(a, 0x4000, 0x6000, ROLE_NONE);
    must_alloc(a, ROLE_HEAP);
    struct snap s;
    snap_take(a, &s);
    assert_int_equal(pfa_free(a, 4), PFA_ERR_RESERVED);
    assert_int_equal(pfa_free(a, 5), PFA_ERR_RESERVED);
    snap_check_same(a, &s);
    snap_free(&s);
    pfa_destroy(a);
}

static void freeing_past_the_end_reports_and_changes_nothing(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(20);
    for (int i = 0; i < 20; i++)
        must_alloc(a, ROLE_HEAP);
    struct snap s;
    snap_take(a, &s);
    assert_int_equal(pfa_free(a, 20), PFA_ERR_RANGE);
    assert_int_equal(pfa_free(a, UINT64_MAX), PFA_ERR_RANGE);
    assert_int_equal(pfa_claim(a, 20, ROLE_DEVICE), PFA_ERR_RANGE);
    assert_int_equal(pfa_claim(a, UINT64_MAX, ROLE_DEVICE), PFA_ERR_RANGE);
    pfa_set_role(a, 20, ROLE_PT);
    snap_check_same(a, &s);
    snap_free(&s);
    assert_int_equal(pfa_state(a, 20), PFA_RESERVED);
    assert_int_equal(pfa_state(a, UINT64_MAX), PFA_RESERVED);
    assert_int_equal(pfa_role(a, 20), ROLE_NONE);
    pfa_destroy(a);
}

static void full_memory_gives_no_memory_and_changes_nothing(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(4097); /* the bytemap spills into a second chunk */
    pfa_reserve(a, 0x10000, 0x20000, ROLE_NONE);
    uint64_t pfn;
    while (pfa_alloc(a, ROLE_HEAP, &pfn) == PFA_OK)
        ;
    assert_int_equal(pfa_stats(a).free, 0);
    struct snap s;
    snap_take(a, &s);
    pfn = 777;
    assert_int_equal(pfa_alloc(a, ROLE_HEAP, &pfn), PFA_ERR_NO_MEMORY);
    assert_int_equal(pfa_alloc(a, ROLE_PT, &pfn), PFA_ERR_NO_MEMORY);
    assert_int_equal(pfn, 777);
    snap_check_same(a, &s);
    snap_free(&s);
    /* One free makes exactly that frame available again. */
    assert_int_equal(pfa_free(a, 4096), PFA_OK);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 4096);
    pfa_destroy(a);
}

/* --- claims --- */

static void claim_takes_the_vga_text_frame(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(256); /* 1 MiB */
    uint64_t vga = pa_to_pfn(0xB8000);
    assert_int_equal(vga, 0xB8);
    assert_int_equal(pfn_to_pa(vga), 0xB8000);
    assert_int_equal(pfa_claim(a, vga, ROLE_DEVICE), PFA_OK);
    assert_int_equal(pfa_state(a, vga), PFA_USED);
    assert_int_equal(pfa_role(a, vga), ROLE_DEVICE);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.used, 1);
    assert_int_equal(st.free, 255);
    /* Sequential allocation walks around the claimed frame. */
    for (uint64_t i = 0; i < 255; i++) {
        uint64_t pfn = must_alloc(a, ROLE_HEAP);
        assert_int_equal(pfn, i < vga ? i : i + 1);
    }
    /* Freeing the claim gives it back like any allocation. */
    assert_int_equal(pfa_free(a, vga), PFA_OK);
    assert_int_equal(must_alloc(a, ROLE_HEAP), vga);
    pfa_destroy(a);
}

static void claim_of_busy_or_reserved_frame_reports_and_changes_nothing(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(256);
    pfa_reserve(a, 0xA0000, 0xC0000, ROLE_NONE);
    must_alloc(a, ROLE_KERNEL);
    struct snap s;
    snap_take(a, &s);
    assert_int_equal(pfa_claim(a, 0, ROLE_DEVICE), PFA_ERR_BUSY);
    assert_int_equal(pfa_claim(a, 0xB8, ROLE_DEVICE), PFA_ERR_RESERVED);
    snap_check_same(a, &s);
    snap_free(&s);
    /* Claiming the frame the hint points at: the next alloc skips it. */
    assert_int_equal(pfa_claim(a, 1, ROLE_DEVICE), PFA_OK);
    assert_int_equal(pfa_claim(a, 1, ROLE_DEVICE), PFA_ERR_BUSY);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 2);
    check_stats_match_bytemap(a);
    pfa_destroy(a);
}

/* --- roles and names --- */

static void roles_follow_alloc_free_and_set_role(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(16);
    uint64_t pd = must_alloc(a, ROLE_PD);
    uint64_t pt = must_alloc(a, ROLE_PT);
    uint64_t h = must_alloc(a, ROLE_HEAP);
    assert_int_equal(pfa_role(a, pd), ROLE_PD);
    assert_int_equal(pfa_role(a, pt), ROLE_PT);
    assert_int_equal(pfa_role(a, h), ROLE_HEAP);
    assert_int_equal(pfa_roles(a)[pt], ROLE_PT);
    assert_int_equal(pfa_bytemap(a)[pt], PFA_USED);
    pfa_set_role(a, h, ROLE_KERNEL);
    assert_int_equal(pfa_role(a, h), ROLE_KERNEL);
    assert_int_equal(pfa_free(a, pt), PFA_OK);
    assert_int_equal(pfa_role(a, pt), ROLE_NONE);
    /* A free frame has no role to change. */
    pfa_set_role(a, pt, ROLE_PT);
    assert_int_equal(pfa_role(a, pt), ROLE_NONE);
    /* Reserved frames may be relabelled. */
    pfa_reserve(a, 0xF000, 0x10000, ROLE_NONE);
    pfa_set_role(a, 15, ROLE_DEVICE);
    assert_int_equal(pfa_role(a, 15), ROLE_DEVICE);
    assert_int_equal(pfa_state(a, 15), PFA_RESERVED);
    /* Out-of-range role values never reach the role map. */
    uint64_t x = must_alloc(a, (enum frame_role)200);
    assert_true(pfa_role(a, x) < ROLE_COUNT);
    pfa_set_role(a, x, (enum frame_role)99);
    assert_true(pfa_role(a, x) < ROLE_COUNT);
    pfa_destroy(a);
}

static void state_and_role_names_are_short_and_distinct(void **state)
{
    (void)state;
    assert_string_equal(pfa_state_name(PFA_FREE), "free");
    assert_string_equal(pfa_state_name(PFA_USED), "used");
    assert_string_equal(pfa_state_name(PFA_RESERVED), "reserved");
    assert_non_null(pfa_state_name((enum pfa_state)9));
    assert_string_equal(pfa_role_name(ROLE_PT), "PT");
    assert_string_equal(pfa_role_name(ROLE_KERNEL), "kernel");
    for (int i = 0; i < ROLE_COUNT; i++) {
        const char *n = pfa_role_name((enum frame_role)i);
        assert_non_null(n);
        assert_true(strlen(n) > 0 && strlen(n) <= 8);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, pfa_role_name((enum frame_role)j));
    }
    assert_non_null(pfa_role_name(ROLE_COUNT));
    assert_non_null(pfa_role_name((enum frame_role)77));
}

/* --- stats --- */

static void stats_track_every_transition(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(300);
    pfa_reserve(a, 0x10000, 0x12000, ROLE_NONE);
    check_stats_match_bytemap(a);
    for (int i = 0; i < 100; i++)
        must_alloc(a, ROLE_HEAP);
    check_stats_match_bytemap(a);
    assert_int_equal(pfa_claim(a, 200, ROLE_DEVICE), PFA_OK);
    for (uint64_t i = 0; i < 100; i += 3)
        pfa_free(a, i);
    check_stats_match_bytemap(a);
    pfa_reserve(a, 0, 0x40000, ROLE_NONE); /* over used, free and reserved */
    check_stats_match_bytemap(a);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.reserved, 64);
    assert_int_equal(st.total, 300);
    pfa_destroy(a);
}

/* --- differential test against the seed's full scan --- */

#define DIFF_FRAMES 700

struct naive {
    uint8_t map[DIFF_FRAMES];
    uint8_t roles[DIFF_FRAMES];
};

static enum pfa_status naive_alloc(struct naive *m, uint8_t role, uint64_t *pfn)
{
    for (uint64_t i = 0; i < DIFF_FRAMES; i++) {
        if (m->map[i] == PFA_FREE) {
            m->map[i] = PFA_USED;
            m->roles[i] = role;
            *pfn = i;
            return PFA_OK;
        }
    }
    return PFA_ERR_NO_MEMORY;
}

static enum pfa_status naive_free(struct naive *m, uint64_t pfn)
{
    if (pfn >= DIFF_FRAMES)
        return PFA_ERR_RANGE;
    if (m->map[pfn] == PFA_FREE)
        return PFA_ERR_NOT_ALLOCATED;
    if (m->map[pfn] == PFA_RESERVED)
        return PFA_ERR_RESERVED;
    m->map[pfn] = PFA_FREE;
    m->roles[pfn] = ROLE_NONE;
    return PFA_OK;
}

static enum pfa_status naive_claim(struct naive *m, uint64_t pfn, uint8_t role)
{
    if (pfn >= DIFF_FRAMES)
        return PFA_ERR_RANGE;
    if (m->map[pfn] == PFA_USED)
        return PFA_ERR_BUSY;
    if (m->map[pfn] == PFA_RESERVED)
        return PFA_ERR_RESERVED;
    m->map[pfn] = PFA_USED;
    m->roles[pfn] = role;
    return PFA_OK;
}

static void naive_reserve(struct naive *m, uint64_t start, uint64_t end, uint8_t role)
{
    for (uint64_t i = 0; i < DIFF_FRAMES; i++) {
        uint64_t lo = i * 4096, hi = lo + 4096;
        if (start < hi && end > lo) {
            m->map[i] = PFA_RESERVED;
            m->roles[i] = role;
        }
    }
}

static void check_same_as_naive(const struct pfa *a, const struct naive *m)
{
    assert_memory_equal(pfa_bytemap(a), m->map, DIFF_FRAMES);
    assert_memory_equal(pfa_roles(a), m->roles, DIFF_FRAMES);
    check_stats_match_bytemap(a);
}

static void matches_naive_full_scan_bytemap_under_random_operations(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        uint64_t rng = seed * UINT64_C(0x9E3779B97F4A7C15);
        struct pfa *a = pfa_create(DIFF_FRAMES);
        struct naive *m = calloc(1, sizeof *m);
        assert_non_null(m);
        /* Reserved holes, at byte granularity (partial frames). */
        for (int h = 0; h < 6; h++) {
            uint64_t start = rng_next(&rng) % (DIFF_FRAMES * 4096);
            uint64_t end = start + rng_next(&rng) % (12 * 4096);
            pfa_reserve(a, start, end, ROLE_NONE);
            naive_reserve(m, start, end, ROLE_FIRMWARE);
        }
        check_same_as_naive(a, m);
        uint64_t live[DIFF_FRAMES];
        size_t nlive = 0;
        for (int step = 0; step < 6000; step++) {
            /* Phases: mostly allocating, then mostly freeing, so that the
             * allocator runs full and empty repeatedly. */
            unsigned alloc_pct = (step / 700) % 2 == 0 ? 75 : 25;
            uint64_t r = rng_next(&rng) % 100;
            uint8_t role = (uint8_t)(1 + rng_next(&rng) % (ROLE_COUNT - 1));
            if (r < alloc_pct) {
                uint64_t got = UINT64_MAX, want = UINT64_MAX;
                enum pfa_status s = pfa_alloc(a, (enum frame_role)role, &got);
                assert_int_equal(s, naive_alloc(m, role, &want));
                assert_int_equal(got, want);
                if (s == PFA_OK)
                    live[nlive++] = got;
            } else if (r < alloc_pct + 15 && nlive > 0) {
                size_t k = (size_t)(rng_next(&rng) % nlive);
                uint64_t pfn = live[k];
                live[k] = live[--nlive];
                assert_int_equal(pfa_free(a, pfn), naive_free(m, pfn));
            } else if (r < 96) {
                /* Any frame, possibly free, reserved or past the end. */
                uint64_t pfn = rng_next(&rng) % (DIFF_FRAMES + 20);
                enum pfa_status s = pfa_free(a, pfn);
                assert_int_equal(s, naive_free(m, pfn));
                if (s == PFA_OK) {
                    for (size_t k = 0; k < nlive; k++) {
                        if (live[k] == pfn) {
                            live[k] = live[--nlive];
                            break;
                        }
                    }
                }
            } else if (r < 99) {
                uint64_t pfn = rng_next(&rng) % (DIFF_FRAMES + 20);
                enum pfa_status s = pfa_claim(a, pfn, (enum frame_role)role);
                assert_int_equal(s, naive_claim(m, pfn, role));
                if (s == PFA_OK)
                    live[nlive++] = pfn;
            } else {
                /* A late reserve over whatever is there. */
                uint64_t start = rng_next(&rng) % (DIFF_FRAMES * 4096);
                uint64_t end = start + rng_next(&rng) % (3 * 4096);
                pfa_reserve(a, start, end, (enum frame_role)role);
                naive_reserve(m, start, end, role);
                size_t k = 0;
                while (k < nlive) {
                    if (m->map[live[k]] == PFA_RESERVED)
                        live[k] = live[--nlive];
                    else
                        k++;
                }
            }
            check_same_as_naive(a, m);
        }
        free(m);
        pfa_destroy(a);
    }
}

/* --- scalars --- */

static void scalars_save_load_round_trip(void **state)
{
    (void)state;
    struct pfa *a = pfa_create(64);
    for (int i = 0; i < 20; i++)
        must_alloc(a, ROLE_HEAP);
    pfa_free(a, 5);
    size_t n = pfa_scalars_size();
    assert_true(n > 0);
    uint8_t *buf = malloc(n);
    uint8_t *again = malloc(n);
    assert_non_null(buf);
    assert_non_null(again);
    pfa_scalars_save(a, buf);
    struct pfa_stats before = pfa_stats(a);
    /* Change everything, then put the scalars back and the bytemap by hand:
     * the allocator behaves as before (hint included). */
    uint8_t map[64];
    memcpy(map, pfa_bytemap(a), 64);
    must_alloc(a, ROLE_HEAP);
    must_alloc(a, ROLE_HEAP);
    pfa_free(a, 0);
    pfa_scalars_load(a, buf);
    pfa_scalars_save(a, again);
    assert_memory_equal(buf, again, n);
    struct pfa_stats after = pfa_stats(a);
    assert_int_equal(after.free, before.free);
    assert_int_equal(after.used, before.used);
    assert_int_equal(after.reserved, before.reserved);

    /* Loading into a second allocator with the same bytemap state. */
    struct pfa *b = pfa_create(64);
    for (int i = 0; i < 20; i++)
        must_alloc(b, ROLE_HEAP);
    pfa_free(b, 5);
    must_alloc(b, ROLE_HEAP);
    pfa_free(b, 5);
    pfa_scalars_load(b, buf);
    assert_memory_equal(pfa_bytemap(b), map, 64);
    assert_int_equal(must_alloc(b, ROLE_HEAP), 5);
    assert_int_equal(must_alloc(b, ROLE_HEAP), 20);
    free(buf);
    free(again);
    pfa_destroy(a);
    pfa_destroy(b);
}

/* --- journaling: undo through tmem --- */

struct saved_chunk {
    struct tmem *m;
    uint64_t chunk;
    size_t len;
    uint8_t data[TMEM_CHUNK_SIZE];
};

struct undo_log {
    struct saved_chunk *v;
    size_t n, cap;
};

static void undo_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    struct undo_log *u = ctx;
    if (u->n == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 16;
        u->v = realloc(u->v, u->cap * sizeof *u->v);
        assert_non_null(u->v);
    }
    struct saved_chunk *c = &u->v[u->n++];
    c->m = m;
    c->chunk = chunk;
    c->len = len;
    memcpy(c->data, old, len);
}

static void undo_all(struct undo_log *u)
{
    while (u->n > 0) {
        struct saved_chunk *c = &u->v[--u->n];
        tmem_restore_chunk(c->m, c->chunk, c->data, c->len);
    }
}

static void journal_undo_gives_the_bytemap_and_roles_back(void **state)
{
    (void)state;
    const uint64_t n = 3 * 4096 + 123; /* four chunks, the last partial */
    struct pfa *a = pfa_create(n);
    pfa_reserve(a, 0x100000, 0x180000, ROLE_NONE);
    for (int i = 0; i < 5000; i++)
        must_alloc(a, ROLE_HEAP);
    struct snap s;
    snap_take(a, &s);

    struct undo_log u = {NULL, 0, 0};
    struct tmem_journal j = {undo_save, &u};
    tmem_set_journal(pfa_tmem_bytemap(a), &j);
    tmem_set_journal(pfa_tmem_roles(a), &j);

    uint64_t rng = 42;
    for (int epoch = 0; epoch < 4; epoch++) {
        for (int i = 0; i < 3000; i++) {
            uint64_t pfn;
            if (rng_next(&rng) % 2)
                pfa_alloc(a, ROLE_PT, &pfn);
            else
                pfa_free(a, rng_next(&rng) % n);
        }
        pfa_claim(a, n - 1, ROLE_DEVICE);
        pfa_reserve(a, 0, 0x3000, ROLE_KERNEL);
        pfa_set_role(a, 4000, ROLE_PD);
        tmem_epoch(pfa_tmem_bytemap(a));
        tmem_epoch(pfa_tmem_roles(a));
    }
    assert_true(u.n >= 2);
    /* Each chunk is saved at most once per epoch per array. */
    assert_true(u.n <= 4 * 2 * 4);
    assert_true(memcmp(pfa_bytemap(a), s.map, (size_t)n) != 0);

    undo_all(&u);
    pfa_scalars_load(a, s.scalars);
    snap_check_same(a, &s);
    /* And the restored allocator goes on where it was: 5000 frames went to
     * 0..255 and 384..5127 (256..383 are reserved). */
    assert_int_equal(must_alloc(a, ROLE_HEAP), 5128);

    tmem_set_journal(pfa_tmem_bytemap(a), NULL);
    tmem_set_journal(pfa_tmem_roles(a), NULL);
    free(u.v);
    snap_free(&s);
    pfa_destroy(a);
}

/* --- size --- */

static void four_gib_allocator_fills_and_empties(void **state)
{
    (void)state;
    const uint64_t n = UINT64_C(1) << 20; /* 4 GiB of frames */
    struct pfa *a = pfa_create(n);
    assert_non_null(a);
    pfa_reserve(a, 0xA0000, 0x100000, ROLE_NONE);
    uint64_t pfn, count = 0, last = 0;
    while (pfa_alloc(a, ROLE_HEAP, &pfn) == PFA_OK) {
        assert_true(count == 0 || pfn > last);
        last = pfn;
        count++;
    }
    assert_int_equal(count, n - 0x60);
    assert_int_equal(last, n - 1);
    for (uint64_t i = 0; i < n; i++)
        pfa_free(a, i);
    struct pfa_stats st = pfa_stats(a);
    assert_int_equal(st.free, n - 0x60);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.reserved, 0x60);
    assert_int_equal(must_alloc(a, ROLE_HEAP), 0);
    pfa_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_rejects_zero_frames),
        cmocka_unit_test(fresh_allocator_is_all_free),
        cmocka_unit_test(alloc_hands_out_lowest_free_frame_in_order),
        cmocka_unit_test(hint_never_skips_a_freed_lower_frame),
        cmocka_unit_test(freed_frames_come_back_in_ascending_order),
        cmocka_unit_test(reserve_marks_partial_frames_whole),
        cmocka_unit_test(reserve_ignores_empty_ranges_and_bytes_past_the_end),
        cmocka_unit_test(reserved_frames_are_never_handed_out),
        cmocka_unit_test(reserve_over_allocated_frames_keeps_counts_right),
        cmocka_unit_test(double_free_reports_and_changes_nothing),
        cmocka_unit_test(freeing_a_reserved_frame_reports_and_changes_nothing),
        cmocka_unit_test(freeing_past_the_end_reports_and_changes_nothing),
        cmocka_unit_test(full_memory_gives_no_memory_and_changes_nothing),
        cmocka_unit_test(claim_takes_the_vga_text_frame),
        cmocka_unit_test(claim_of_busy_or_reserved_frame_reports_and_changes_nothing),
        cmocka_unit_test(roles_follow_alloc_free_and_set_role),
        cmocka_unit_test(state_and_role_names_are_short_and_distinct),
        cmocka_unit_test(stats_track_every_transition),
        cmocka_unit_test(matches_naive_full_scan_bytemap_under_random_operations),
        cmocka_unit_test(scalars_save_load_round_trip),
        cmocka_unit_test(journal_undo_gives_the_bytemap_and_roles_back),
        cmocka_unit_test(four_gib_allocator_fills_and_empties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
