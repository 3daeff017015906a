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
 * The scalars (LRU clock, counters, per-size counts) live in one struct that
 * replay/ saves and restores as a blob; the event sink is configuration, not
 * state, and stays out of it.
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

/* Everything that changes besides the entry array: saved and restored whole. */
struct tlb_scalars {
    uint64_t clock; /* LRU stamp of the latest use */
    struct tlb_stats stats;
    uint32_t size_count[TLB_NSIZES]; /* valid entries of each page size */
    uint32_t sizes;                  /* bit i set: size_count[i] != 0 */
};

struct tlb {
    struct tmem *mem;    /* the entries, nentries of them */
    struct tlb_entry *e; /* mem's data as entries */
    unsigned nentries;
    unsigned nways;
    unsigned nsets;
    uint64_t set_mask;      /* nsets - 1 */
    struct event_sink sink; /* emit == NULL: nobody listens */
    struct tlb_scalars s;
};

/* Index of shift in size_shift, or -1 when it is not a TLB page size. */
static int size_index(unsigned shift)
{
    for (int i = 0; i < TLB_NSIZES; i++) {
        if (size_shift[i] == shift)
            return i;
    }
    return -1;
}

static void emit(const struct tlb *t, enum event_kind kind, uint64_t va, uint64_t pa, uint64_t size,
                 uint64_t count, uint64_t extra)
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

/* Index of the valid entry for the page of va at size 2^shift, or -1. An
 * invalid entry is all zeros (see drop), so its shift never matches: the
 * shift test covers validity, and the stored va is aligned, so one compare
 * checks the page. */
static inline long find(const struct tlb *t, uint64_t va, unsigned shift)
{
    unsigned base = set_base(t, va, shift);
    uint64_t page_va = va & ~((UINT64_C(1) << shift) - 1);
    const struct tlb_entry *e = &t->e[base];
    for (unsigned w = 0; w < t->nways; w++) {
        if (e[w].va == page_va && e[w].shift == shift)
            return (long)(base + w);
    }
    return -1;
}

/* Index of the entry that serves va (smallest page size first), or -1. Probes
 * only the sizes present: one probe when only 4 KiB pages are cached. */
static inline long find_any(const struct tlb *t, uint64_t va)
{
    if (t->s.sizes == 1) /* the common case: only 4 KiB pages, a constant shift */
        return find(t, va, X86_PAGE_SHIFT);
    unsigned i = 0;
    for (uint32_t m = t->s.sizes; m != 0; m >>= 1, i++) {
        if (m & 1) {
            long k = find(t, va, size_shift[i]);
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

/* Invalidates entry k (which is valid) and keeps the per-size count. The
 * whole entry is zeroed: find() relies on it. */
static void drop(struct tlb *t, unsigned k)
{
    struct tlb_entry *e = &t->e[k];
    count_sub(t, size_index(e->shift));
    tmem_touch(t->mem, (uint64_t)k * sizeof *e, sizeof *e);
    memset(e, 0, sizeof *e);
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
    if (sink != NULL) {
        t->sink = *sink;
    } else {
        t->sink.emit = NULL;
        t->sink.ctx = NULL;
    }
}

bool tlb_lookup(struct tlb *t, uint64_t va, struct tlb_entry *out)
{
    long k = find_any(t, va);
    if (k < 0) {
        t->s.stats.misses++;
        if (event_listening(&t->sink))
            emit(t, EV_TLB_MISS, va, 0, 0, 0, 0);
        return false;
    }
    struct tlb_entry *e = &t->e[k];
    tmem_touch(t->mem, (uint64_t)k * sizeof *e, sizeof *e);
    e->lru = ++t->s.clock;
    t->s.stats.hits++;
    *out = *e;
    if (event_listening(&t->sink)) {
        uint64_t size = UINT64_C(1) << e->shift;
        emit(t, EV_TLB_HIT, va, e->pa | (va & (size - 1)), size, 0, 0);
    }
    return true;
}

const struct tlb_entry *tlb_peek(const struct tlb *t, uint64_t va)
{
    long k = find_any(t, va);
    return k < 0 ? NULL : &t->e[k];
}

bool tlb_fill(struct tlb *t, const struct tlb_entry *e, struct tlb_entry *evicted)
{
    int si = size_index(e->shift);
    if (si < 0)
        return false;
    unsigned shift = e->shift;
    uint64_t mask = ~((UINT64_C(1) << shift) - 1);
    unsigned base = set_base(t, e->va, shift);
    uint64_t page = e->va >> shift;

    /* The same page and size: replace in place. Else an invalid way. Else LRU. */
    long slot = -1;
    long free_way = -1;
    unsigned lru_way = base;
    for (unsigned w = 0; w < t->nways; w++) {
        const struct tlb_entry *x = &t->e[base + w];
        if (!x->valid) {
            if (free_way < 0)
                free_way = (long)(base + w);
            continue;
        }
        if (x->shift == shift && (x->va >> shift) == page) {
            slot = (long)(base + w);
            break;
        }
        if (!t->e[lru_way].valid || x->lru < t->e[lru_way].lru)
            lru_way = base + w;
    }

    bool did_evict = false;
    if (slot < 0 && free_way >= 0) {
        slot = free_way;
        count_add(t, si);
    } else if (slot < 0) {
        slot = (long)lru_way;
        struct tlb_entry old = t->e[slot];
        count_sub(t, size_index(old.shift));
        count_add(t, si);
        t->s.stats.evictions++;
        did_evict = true;
        if (evicted != NULL)
            *evicted = old;
        if (event_listening(&t->sink))
            emit(t, EV_TLB_EVICT, old.va, old.pa, UINT64_C(1) << old.shift, 0, 0);
    }

    struct tlb_entry *d = &t->e[slot];
    tmem_touch(t->mem, (uint64_t)slot * sizeof *d, sizeof *d);
    memset(d, 0, sizeof *d);
    d->va = e->va & mask;
    d->pa = e->pa & mask;
    d->shift = (uint8_t)shift;
    d->flags = e->flags;
    d->valid = 1;
    d->lru = ++t->s.clock;
    t->s.stats.fills++;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_FILL, d->va, d->pa, UINT64_C(1) << shift, 0, 0);
    return did_evict;
}

unsigned tlb_invlpg(struct tlb *t, uint64_t va)
{
    unsigned dropped = 0;
    for (int i = 0; i < TLB_NSIZES; i++) {
        if (t->s.size_count[i] == 0)
            continue;
        /* At most one entry per page and size: fill replaces in place. */
        long k = find(t, va, size_shift[i]);
        if (k >= 0) {
            drop(t, (unsigned)k);
            dropped++;
        }
    }
    t->s.stats.invlpg++;
    if (event_listening(&t->sink))
        emit(t, EV_TLB_INVLPG, va, 0, 0, dropped, 0);
    return dropped;
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
}
