/*
 * tlb.c - a set-associative, LRU translation lookaside buffer (SDM Vol. 3A
 * 4.10.2 "Translation Lookaside Buffers", 4.10.4 "Invalidation of TLBs").
 *
 * Like a real TLB it caches leaf translations keyed by page number and page
 * size, and never looks at the page tables again: only INVLPG, a flush, or
 * replacement make an entry go, so a table change without INVLPG leaves a
 * stale entry, exactly the bug class the visualizer wants to show.
 *
 * Layout: nsets sets of nways ways, entry (s, w) at index s * nways + w of an
 * array that lives in tracked memory (tmem.h), so step-back can undo it chunk
 * by chunk. A page of size 2^shift goes to set (va >> shift) & (nsets - 1).
 * Since the set depends on the page size, a lookup must probe once per size;
 * a count of valid entries per size lets it skip the sizes absent from the
 * TLB (most of the time only 4 KiB pages are cached: one probe).
 *
 * LRU: each entry carries the stamp of its last use (a clock shared by all
 * sets) and each set flags its most recently used way. Only the order of the
 * stamps inside a set matters (replacement evicts the smallest), and the
 * flagged way's stamp is already the largest of its set, so a hit on it
 * changes nothing: no stamp, no write to tracked memory. A hit on another
 * way, or a fill, stamps the way and moves the flag to it.
 *
 * The scalars (LRU clock, counters, per-size counts) live in one struct that
 * replay/ saves and restores as a blob; the event sink is configuration, not
 * state, and stays out of it. So is the generation (tlb_generation), bumped
 * by every change a lookup's outcome depends on, which lets the MMU's memo
 * (mmu.h) serve repeated hits on a page without repeating the lookup.
 *
 * The hit path is in tlb.h (tlb_find_quick, tlb_take_hit), inline: every
 * lookup goes through it, tlb_lookup_slow included (any page size, events),
 * so a hit is counted and promoted in one place.
 */
#include "tlb.h"

#include <stdlib.h>
#include <string.h>

#include "x86.h"

/* The page sizes a TLB entry may have, as shifts, smallest first. */
#define TLB_NSIZES 4
static const uint8_t size_shift[TLB_NSIZES] = {
    X86_PAGE_SHIFT,
    X86_PAGE_SHIFT_2M,
    X86_PAGE_SHIFT_4M,
    X86_PAGE_SHIFT_1G,
};

_Static_assert(TLB_NSIZES == TLB_PAGE_SIZES, "one count per page size");

/* Index of shift in size_shift, or -1 when it is not a TLB page size. */
static inline int size_index(unsigned shift)
{
    switch (shift) {
    case X86_PAGE_SHIFT:
        return 0;
    case X86_PAGE_SHIFT_2M:
        return 1;
    case X86_PAGE_SHIFT_4M:
        return 2;
    case X86_PAGE_SHIFT_1G:
        return 3;
    default:
        return -1;
    }
}

/* Reports an event. Only called when someone listens: kept out of line, so
 * that the hot paths build no event and keep a small frame. */
#if defined(__GNUC__)
#define TLB_COLD __attribute__((noinline, cold))
#else
#define TLB_COLD
#endif

TLB_COLD static void emit(const struct tlb *t, enum event_kind kind, uint64_t va, uint64_t pa,
                          uint64_t size, uint64_t count, uint64_t extra)
{
    struct event ev = {0};
    ev.kind = kind;
    ev.va = va;
    ev.pa = pa;
    ev.size = size;
    ev.count = count;
    ev.extra = extra;
    event_emit(&t->sink, &ev);
}

/* The first way of the set that holds the page of va at size 2^shift. */
static inline unsigned set_base(const struct tlb *t, uint64_t va, unsigned shift)
{
    return (unsigned)((va >> shift) & t->set_mask) * t->nways;
}

/* Index of the valid entry for the page of va at size 2^shift, or -1; *base
 * gets the set's first way. An invalid entry is all zeros (see drop), so its
 * shift never matches: the shift test covers validity, and the stored va is
 * aligned, so one compare checks the page. */
static inline long find(const struct tlb *t, uint64_t va, unsigned shift, unsigned *base)
{
    unsigned b = set_base(t, va, shift);
    uint64_t page_va = va & ~((UINT64_C(1) << shift) - 1);
    const struct tlb_entry *e = &t->e[b];
    *base = b;
    for (unsigned w = 0; w < t->nways; w++) {
        if (e[w].va == page_va && e[w].shift == shift)
            return (long)(b + w);
    }
    return -1;
}

/* Index of the entry that serves va (smallest page size first), or -1, and
 * its set's first way in *base. Probes only the sizes present: one probe when
 * only 4 KiB pages are cached. */
static inline long find_any(const struct tlb *t, uint64_t va, unsigned *base)
{
    if (t->s.sizes == 1) /* the common case: only 4 KiB pages, a constant shift */
        return find(t, va, X86_PAGE_SHIFT, base);
    unsigned i = 0;
    for (uint32_t m = t->s.sizes; m != 0; m >>= 1, i++) {
        if (m & 1) {
            long k = find(t, va, size_shift[i], base);
            if (k >= 0)
                return k;
        }
    }
    return -1;
}

static void count_add(struct tlb *t, int i)
{
    t->s.size_count[i]++;
    t->s.sizes |= UINT32_C(1) << i;
}

static void count_sub(struct tlb *t, int i)
{
    if (i < 0 || t->s.size_count[i] == 0)
        return;
    if (--t->s.size_count[i] == 0)
        t->s.sizes &= ~(UINT32_C(1) << i);
}

/* Declares that the ways of the set at base are about to change. */
static inline void touch_set(struct tlb *t, unsigned base)
{
    tmem_touch(t->mem, (uint64_t)base * sizeof(struct tlb_entry),
               (uint64_t)t->nways * sizeof(struct tlb_entry));
}

/* Invalidates entry k (which is valid) and keeps the per-size count. The
 * whole entry is zeroed: find() relies on it. */
static void drop(struct tlb *t, unsigned k)
{
    struct tlb_entry *e = &t->e[k];
    t->gen++;
    count_sub(t, size_index(e->shift));
    tmem_touch(t->mem, (uint64_t)k * sizeof *e, sizeof *e);
    memset(e, 0, sizeof *e);
}

/* Makes entry k, in the set at base, the set's most recently used way: a new
 * stamp and the set's MRU flag, taken from the way that had it. */
static void make_mru(struct tlb *t, unsigned base, unsigned k)
{
    touch_set(t, base);
    t->gen++;
    struct tlb_entry *e = &t->e[base];
    for (unsigned w = 0; w < t->nways; w++)
        e[w].mru = 0;
    t->e[k].mru = 1;
    t->e[k].lru = ++t->s.clock;
}

struct tlb *tlb_create(unsigned entries, unsigned ways)
{
    if (entries == 0 || entries > TLB_MAX_ENTRIES || ways == 0 || entries % ways != 0)
        return NULL;
    unsigned sets = entries / ways;
    if ((sets & (sets - 1)) != 0)
        return NULL;
    struct tlb *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->mem = tmem_create((uint64_t)entries * sizeof(struct tlb_entry));
    if (t->mem == NULL) {
        free(t);
        return NULL;
    }
    t->e = (struct tlb_entry *)(void *)t->mem->data;
    t->nentries = entries;
    t->nways = ways;
    t->nsets = sets;
    t->set_mask = sets - 1;
    return t;
}

void tlb_destroy(struct tlb *t)
{
    if (t == NULL)
        return;
    tmem_destroy(t->mem);
    free(t);
}

void tlb_set_sink(struct tlb *t, const struct event_sink *sink)
{
    t->gen++;
    if (sink != NULL) {
        t->sink = *sink;
    } else {
        t->sink.emit = NULL;
        t->sink.ctx = NULL;
    }
}

const struct tlb_entry *tlb_lookup_slow(struct tlb *t, uint64_t va)
{
    unsigned base;
    long k = find_any(t, va, &base);
    if (k < 0) {
        t->s.stats.misses++;
        if (event_listening(&t->sink))
            emit(t, EV_TLB_MISS, va, 0, 0, 0, 0);
        return NULL;
    }
    const struct tlb_entry *e = &t->e[k];
    tlb_take_hit(t, e);
    if (event_listening(&t->sink)) {
        uint64_t size = UINT64_C(1) << e->shift;
        emit(t, EV_TLB_HIT, va, e->pa | (va & (size - 1)), size, 0, 0);
    }
    return e;
}

/* The set's MRU way already holds the latest stamp of its set: a hit on it
 * keeps LRU order inside the set (all that replacement and the views use)
 * without a write. A hit on another way comes here. */
void tlb_promote(struct tlb *t, const struct tlb_entry *e)
{
    make_mru(t, set_base(t, e->va, e->shift), (unsigned)(e - t->e));
}

bool tlb_lookup(struct tlb *t, uint64_t va, struct tlb_entry *out)
{
    const struct tlb_entry *e = tlb_lookup_ref(t, va);
    if (e == NULL)
        return false;
    *out = *e;
    return true;
}

const struct tlb_entry *tlb_peek(const struct tlb *t, uint64_t va)
{
    unsigned base;
    long k = find_any(t, va, &base);
    return k < 0 ? NULL : &t->e[k];
}

/* Takes the valid entry x out for a fill of a page of size index si: counts
 * the eviction, keeps the per-size counts, copies x to *evicted (when not
 * NULL) and reports it. */
static void evict(struct tlb *t, const struct tlb_entry *x, int si, struct tlb_entry *evicted)
{
    int xi = size_index(x->shift);
    if (xi != si) {
        count_sub(t, xi);
        count_add(t, si);
    }
    t->s.stats.evictions++;
    if (evicted != NULL)
        *evicted = *x;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_EVICT, x->va, x->pa, UINT64_C(1) << x->shift, 0, 0);
}

bool tlb_fill(struct tlb *t, const struct tlb_entry *e, struct tlb_entry *evicted)
{
    unsigned shift = e->shift;
    int si = size_index(shift);
    if (si < 0)
        return false;
    uint64_t page_mask = ~((UINT64_C(1) << shift) - 1);
    uint64_t page_va = e->va & page_mask;
    unsigned base = set_base(t, e->va, shift);
    struct tlb_entry *set = &t->e[base];

    /* One pass: the same page and size is replaced in place; else the way
     * with the smallest stamp is taken. An invalid way is all zeros (see
     * drop), stamp 0 included, while every valid way has a stamp >= 1 (the
     * clock is incremented before use), so the smallest stamp is the first
     * invalid way when there is one, else the least recently used way; and an
     * invalid way never matches the page (its shift is 0). The pass also finds
     * the way that holds the set's MRU flag. */
    struct tlb_entry *slot = NULL;  /* the same page */
    struct tlb_entry *victim = set; /* the smallest stamp, first on ties */
    struct tlb_entry *mru_e = NULL; /* the way flagged most recent */
    uint64_t lru_min = set->lru;
    struct tlb_entry *end = set + t->nways;
    for (struct tlb_entry *x = set; x != end; x++) {
        if (x->va == page_va && x->shift == shift)
            slot = x;
        if (x->lru < lru_min) {
            lru_min = x->lru;
            victim = x;
        }
        if (x->mru)
            mru_e = x;
    }

    bool did_evict = false;
    if (slot == NULL) {
        slot = victim;
        if (slot->valid) {
            /* The victim leaves before the new entry takes its way, so that
             * the state at EV_TLB_EVICT shows it gone (and not yet replaced). */
            struct tlb_entry x = *slot;
            touch_set(t, base);
            memset(slot, 0, sizeof *slot);
            evict(t, &x, si, evicted);
            did_evict = true;
        } else {
            count_add(t, si);
        }
    }

    touch_set(t, base);
    t->gen++;
    if (mru_e != NULL)
        mru_e->mru = 0;
    slot->va = page_va;
    slot->pa = e->pa & page_mask;
    slot->lru = ++t->s.clock;
    slot->shift = (uint8_t)shift;
    slot->valid = 1;
    slot->flags = e->flags;
    slot->mru = 1;
    t->s.stats.fills++;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_FILL, slot->va, slot->pa, UINT64_C(1) << shift, 0, 0);
    return did_evict;
}

/* Drops every entry whose page contains va; returns how many. */
static unsigned invalidate(struct tlb *t, uint64_t va)
{
    unsigned dropped = 0;
    for (int i = 0; i < TLB_NSIZES; i++) {
        if (t->s.size_count[i] == 0)
            continue;
        /* At most one entry per page and size: fill replaces in place. */
        unsigned base;
        long k = find(t, va, size_shift[i], &base);
        if (k >= 0) {
            drop(t, (unsigned)k);
            dropped++;
        }
    }
    return dropped;
}

unsigned tlb_invlpg(struct tlb *t, uint64_t va)
{
    unsigned dropped = invalidate(t, va);
    t->s.stats.invlpg++;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_INVLPG, va, 0, 0, dropped, 0);
    return dropped;
}

unsigned tlb_invalidate_page(struct tlb *t, uint64_t va)
{
    return invalidate(t, va);
}

unsigned tlb_flush(struct tlb *t, bool keep_global)
{
    unsigned dropped = 0;
    uint32_t live = 0;
    for (int i = 0; i < TLB_NSIZES; i++)
        live += t->s.size_count[i];
    for (unsigned k = 0; k < t->nentries && live != 0; k++) {
        const struct tlb_entry *e = &t->e[k];
        if (!e->valid)
            continue;
        live--;
        if (keep_global && (e->flags & TLB_F_G))
            continue;
        drop(t, k);
        dropped++;
    }
    t->s.stats.flushes++;
    t->gen++;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_FLUSH, 0, 0, 0, dropped, keep_global ? 1 : 0);
    return dropped;
}

struct tlb_stats tlb_stats(const struct tlb *t)
{
    return t->s.stats;
}

unsigned tlb_nentries(const struct tlb *t)
{
    return t->nentries;
}

unsigned tlb_nways(const struct tlb *t)
{
    return t->nways;
}

unsigned tlb_nsets(const struct tlb *t)
{
    return t->nsets;
}

const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned s, unsigned w)
{
    if (s >= t->nsets || w >= t->nways)
        return NULL;
    return &t->e[s * t->nways + w];
}

struct tmem *tlb_tmem(struct tlb *t)
{
    return t->mem;
}

size_t tlb_scalars_size(void)
{
    return sizeof(struct tlb_scalars);
}

void tlb_scalars_save(const struct tlb *t, void *dst)
{
    memcpy(dst, &t->s, sizeof t->s);
}

void tlb_scalars_load(struct tlb *t, const void *src)
{
    memcpy(&t->s, src, sizeof t->s);
    t->gen++;
}
