/*
 * tlb.h - a set-associative translation lookaside buffer.
 *
 * Size and ways are configurable (default 64 entries, 4 ways), replacement is
 * LRU within a set. An entry caches one translation: the page base, the frame
 * base, the page size (4 KiB, 2 MiB, 4 MiB or 1 GiB), the rights combined
 * over all levels of the walk (R/W, U/S, XD), the leaf's Dirty bit and
 * whether the page is global (SDM 4.10.2). The set of a page is chosen from
 * its page number at its own page size, so a lookup probes once for each page
 * size present in the TLB.
 *
 * LRU is kept as stamps (a larger stamp is more recent) plus one flag per
 * set naming its most recently used way: a hit on that way, the common case
 * of a loop over a few pages, writes nothing at all.
 *
 * It caches what hardware caches: nothing here reads the page tables, so a
 * table change without INVLPG leaves a stale entry, as on real hardware.
 * The entries live in tracked memory (tmem.h) for step-back.
 */
#ifndef PAGESIM_SIM_TLB_H
#define PAGESIM_SIM_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "limits/limits.h"
#include "tmem.h"
#include "x86.h"

/* Entry flags: rights combined over the walk, and the leaf's D and G. */
#define TLB_F_RW (1u << 0) /* writable at every level */
#define TLB_F_US (1u << 1) /* user-accessible at every level */
#define TLB_F_XD (1u << 2) /* execute-disable at some level (with EFER.NXE) */
#define TLB_F_D  (1u << 3) /* the leaf entry's Dirty bit was set */
#define TLB_F_G  (1u << 4) /* global: the leaf has G=1 and CR4.PGE=1 */

#define TLB_MAX_ENTRIES LIMITS_TLB_ENTRIES

struct tlb_entry {
    uint64_t va;   /* linear page base (aligned to the page size) */
    uint64_t pa;   /* physical frame base (aligned to the page size) */
    uint64_t lru;  /* stamp of the last use: larger is more recent */
    uint8_t shift; /* page size as a shift: X86_PAGE_SHIFT, _2M, _4M or _1G */
    uint8_t valid;
    uint8_t flags; /* TLB_F_* */
    uint8_t mru;   /* 1 on the most recently used way of its set (at most one) */
    uint8_t pad[4];
};

struct tlb_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t fills;
    uint64_t evictions; /* valid entries replaced by a fill */
    uint64_t flushes;   /* whole-TLB flushes (CR3 load, CR0/CR4 changes) */
    uint64_t invlpg;    /* INVLPG operations */
};

/* The number of page sizes an entry may have (4 KiB, 2 MiB, 4 MiB, 1 GiB). */
#define TLB_PAGE_SIZES 4

/* Everything that changes besides the entry array: saved and restored whole
 * (tlb_scalars_save). Private to tlb.c. */
struct tlb_scalars {
    uint64_t clock; /* LRU stamp of the latest use */
    struct tlb_stats stats;
    uint32_t size_count[TLB_PAGE_SIZES]; /* valid entries of each page size */
    uint32_t sizes;                      /* bit i set: size_count[i] != 0 */
};

/* The TLB. Its fields are private to tlb.c and shown here only for the
 * inline hit path below (tlb_find_quick and its kin), as tmem.h does for
 * tmem_touch(): every other module goes through the functions. */
struct tlb {
    struct tmem *mem;    /* the entries, nentries of them */
    struct tlb_entry *e; /* mem's data as entries */
    unsigned nentries;
    unsigned nways;
    unsigned nsets;
    uint64_t set_mask;      /* nsets - 1 */
    struct event_sink sink; /* emit == NULL: nobody listens */
    struct tlb_scalars s;
    uint64_t gen; /* tlb_generation(); not state: never saved or hashed */
};

/* Creates an empty TLB of entries entries in sets of ways. entries must be a
 * multiple of ways, entries/ways a power of two, 1 <= entries <=
 * TLB_MAX_ENTRIES. Returns NULL otherwise or when memory runs out. */
struct tlb *tlb_create(unsigned entries, unsigned ways);

/* Frees t. NULL is allowed. */
void tlb_destroy(struct tlb *t);

/* Events (hit, miss, fill, evict, flush, invlpg) go to sink; NULL: none. */
void tlb_set_sink(struct tlb *t, const struct event_sink *sink);

/* Looks va up. On a hit copies the entry to *out, makes it most recently
 * used, counts a hit and returns true; on a miss counts a miss, returns
 * false and leaves *out unaltered. */
bool tlb_lookup(struct tlb *t, uint64_t va, struct tlb_entry *out);

/* The general path of tlb_lookup_ref() (same contract): any page size,
 * events. Call tlb_lookup_ref() instead. */
const struct tlb_entry *tlb_lookup_slow(struct tlb *t, uint64_t va);

/* Out of line part of tlb_take_hit(): makes e its set's most recently used
 * way. Call tlb_take_hit() instead. */
void tlb_promote(struct tlb *t, const struct tlb_entry *e);

/*
 * The TLB-hit path, the one every lookup goes through, inline so that a hit
 * makes no call. It comes in two halves, so that a caller (the MMU) may look
 * at the entry before the lookup takes effect:
 *
 * tlb_find_quick() finds, changing nothing, the entry a lookup of va would
 * hit, when that is simple: only 4 KiB pages are cached and nobody listens.
 * It returns the entry; or NULL with *miss set when a lookup would miss (no
 * way of va's set holds its page); or NULL with *miss clear in every other
 * case (other page sizes cached, a listener, page 0 matching a way that may
 * be invalid): then call tlb_lookup_ref(). tlb_find_mru() is the same but
 * finds only the set's most recently used way (any other way: NULL, *miss
 * clear), for a caller that leaves the rest to tlb_lookup_ref().
 *
 * tlb_take_hit() then does what the lookup does on that hit: counts it and,
 * when e was not its set's most recently used way, makes it so. After it, e
 * is the most recently used way, and the same lookup changes nothing but the
 * hit count for as long as tlb_generation() stays the same. On the most
 * recently used way it is tlb_count_hit().
 *
 * tlb_take_miss() is what the lookup does on the miss tlb_find_quick()
 * reported: counts it (nobody listens).
 */

/* Both, as one probe: mru_only (a constant) chooses which. */
static inline const struct tlb_entry *tlb_probe_quick(const struct tlb *t, uint64_t va,
                                                      bool mru_only, bool *miss)
{
    *miss = false;
    if (t->s.sizes != 1 || event_listening(&t->sink))
        return NULL;
    /* Only 4 KiB pages are cached, so the stored va alone names the page,
     * and the first way holding it is the one a lookup finds. An invalid
     * way is all zeros: its va matches only page 0, and it never carries the
     * MRU flag, so for page 0 a match without the flag goes the general way. */
    uint64_t page_va = va & ~(X86_PAGE_SIZE - 1);
    const struct tlb_entry *e = t->e + (size_t)((va >> X86_PAGE_SHIFT) & t->set_mask) * t->nways;
    const struct tlb_entry *end = e + t->nways;
    do {
        if (e->va == page_va)
            return e->mru || (!mru_only && page_va != 0) ? e : NULL;
    } while (++e != end);
    *miss = true;
    return NULL;
}

static inline const struct tlb_entry *tlb_find_quick(const struct tlb *t, uint64_t va, bool *miss)
{
    return tlb_probe_quick(t, va, false, miss);
}

static inline const struct tlb_entry *tlb_find_mru(const struct tlb *t, uint64_t va, bool *miss)
{
    return tlb_probe_quick(t, va, true, miss);
}

/* Counts one TLB hit: what a lookup does on a hit on its set's most recently
 * used way, for a caller that knows (tlb_generation()) that the lookup would
 * be such a hit. Can't fail. */
static inline void tlb_count_hit(struct tlb *t)
{
    t->s.stats.hits++;
}

static inline void tlb_take_hit(struct tlb *t, const struct tlb_entry *e)
{
    tlb_count_hit(t);
    if (!e->mru)
        tlb_promote(t, e); /* last: a caller's tail needs nothing kept */
}

static inline void tlb_take_miss(struct tlb *t)
{
    t->s.stats.misses++;
}

/* A number that changes whenever anything a lookup's outcome depends on may
 * have changed: an entry (fill, drop, flush, INVLPG), a set's most recently
 * used way, the page sizes present, the sink, a scalars load. A caller that
 * saw a lookup hit an entry (tlb_take_hit) may serve the same page again,
 * with tlb_count_hit(), for as long as the generation stays the same (and
 * the conditions outside the TLB, such as the paging mode, stay as they
 * were): the lookup would hit the same entry and change nothing but the hit
 * count. Changes only through tlb.c; host-side, not part of the machine's
 * state. Note that writes to the entry array that bypass tlb.c (tmem restores
 * by replay/) do not change it: such callers reload the scalars, which does. */
static inline uint64_t tlb_generation(const struct tlb *t)
{
    return t->gen;
}

/* tlb_find_mru() and what the lookup then does, for a caller that leaves a
 * hit on another way to tlb_lookup_ref(): on the MRU way counts the hit and
 * returns it; on a miss counts it, sets *miss and returns NULL; otherwise
 * changes nothing and returns NULL. */
static inline const struct tlb_entry *tlb_lookup_mru(struct tlb *t, uint64_t va, bool *miss)
{
    const struct tlb_entry *e = tlb_find_mru(t, va, miss);
    if (e != NULL)
        tlb_count_hit(t);
    else if (*miss)
        tlb_take_miss(t);
    return e;
}

/* tlb_lookup without the copy: on a hit makes the entry most recently used,
 * counts a hit and returns it (valid until the next call that changes t); on
 * a miss counts a miss and returns NULL. Events as tlb_lookup. */
static inline const struct tlb_entry *tlb_lookup_ref(struct tlb *t, uint64_t va)
{
    bool miss;
    const struct tlb_entry *e = tlb_find_quick(t, va, &miss);
    if (e != NULL) {
        tlb_take_hit(t, e);
        return e;
    }
    if (miss) {
        tlb_take_miss(t);
        return NULL;
    }
    return tlb_lookup_slow(t, va);
}

/* The entry that would serve va, or NULL; changes nothing (no counters, no
 * LRU). For translate's side-effect-free probe and the views. */
const struct tlb_entry *tlb_peek(const struct tlb *t, uint64_t va);

/* Inserts e (e->valid is ignored; e->lru is set here) as most recently used.
 * An entry for the same page and size is replaced in place; otherwise an
 * invalid way is used, or else the least recently used way of the set is
 * evicted: then a copy goes to *evicted (when not NULL) and true is returned.
 * Counts a fill (and an eviction). */
bool tlb_fill(struct tlb *t, const struct tlb_entry *e, struct tlb_entry *evicted);

/* INVLPG: drops every entry whose page contains va, global or not, whatever
 * its size. Returns the number dropped; counts one invlpg. */
unsigned tlb_invlpg(struct tlb *t, uint64_t va);

/* The invalidation a #PF makes for the faulting address (SDM 4.10.4.1), or
 * the MMU makes before caching a page of another size: drops every entry
 * whose page contains va, as tlb_invlpg does, but counts nothing and emits
 * no event (no INVLPG instruction ran). Returns the number dropped. */
unsigned tlb_invalidate_page(struct tlb *t, uint64_t va);

/* Drops every entry, or every non-global one when keep_global. Returns the
 * number dropped; counts one flush. */
unsigned tlb_flush(struct tlb *t, bool keep_global);

struct tlb_stats tlb_stats(const struct tlb *t);
unsigned tlb_nentries(const struct tlb *t);
unsigned tlb_nways(const struct tlb *t);
unsigned tlb_nsets(const struct tlb *t);

/* Entry of set s, way w, for the views (valid may be 0). */
const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned s, unsigned w);

/* For replay/: the tracked entry array, and the scalar state (LRU clock,
 * counters, per-size counts) as an opaque buffer of tlb_scalars_size(). */
struct tmem *tlb_tmem(struct tlb *t);
size_t tlb_scalars_size(void);
void tlb_scalars_save(const struct tlb *t, void *dst);
void tlb_scalars_load(struct tlb *t, const void *src);

#endif
