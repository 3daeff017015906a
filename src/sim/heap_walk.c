/*
 * heap_walk.c - the heap as its own metadata in simulated RAM says it is,
 * for the Heap view and the tests: a walker that reads the allocator's
 * headers, footers and free list (heap.h has the layout) the way a heap
 * checker such as glibc's malloc_info or dlmalloc's traverse_and_check
 * does, but through probe translations only (mmu.h: no TLB lookup or fill,
 * no A/D bits, no counters, no events), so that a view can look at the
 * machine at any moment without changing what it looks at.
 *
 * The moment may be the middle of an operation (a header written, its
 * footer not yet; a chunk unlinked and not yet marked allocated; brk moved
 * and the new pages' headers not yet written), or the program may have
 * overwritten the metadata. So nothing read is trusted before it is
 * checked: a size must be a multiple of 16, at least the minimum chunk,
 * and end inside the heap; a list link must name a chunk the address walk
 * found. What fails is reported (a BAD span, HEAP_ODD_* bits) and never
 * followed. The address walk moves forward by at least 16 bytes a step,
 * the list walk visits each found chunk at most once, and every read is a
 * bounds-checked load of RAM: the walk always ends and never reads outside
 * RAM.
 */
#include "heap.h"

#include <string.h>

#include "heap_impl.h"
#include "mmu.h"
#include "phys.h"
#include "vmm.h"
#include "x86.h"

#define MAX_RESYNCS 16 /* BAD spans that look for a chunk to resume at */

struct walker {
    const struct heap *h;
    struct heap_chunk *out;
    size_t max;
    struct heap_walk *w;
    uint64_t page, frame; /* the last page translated, and its frame's address */
    bool cached;
};

/* The 8-byte word at va (8-aligned: it never straddles a page), read
 * through a probe translation, remembered for the page (a walk changes
 * nothing, so a page's translation holds for the whole walk): false when
 * va does not translate or the frame lies outside RAM. */
static bool rd(struct walker *k, uint64_t va, uint64_t *v)
{
    const struct heap *h = k->h;
    uint64_t page = va & ~(X86_PAGE_SIZE - 1);
    if (!k->cached || k->page != page) {
        struct mmu_request rq = {page, MMU_READ, false, true};
        struct mmu_result res;
        if (!mmu_translate(h->p.mmu, &rq, &res))
            return false;
        k->page = page;
        k->frame = res.pa;
        k->cached = true;
    }
    uint64_t pa = k->frame + (va - page);
    if ((va & 7) != 0 || !phys_contains(h->p.phys, pa, 8))
        return false;
    *v = phys_load64(h->p.phys, pa);
    return true;
}

static bool size_ok(uint64_t c, uint64_t size, uint64_t end)
{
    return size >= HEAP_MIN_CHUNK && (size & (HEAP_ALIGN - 1)) == 0 && size <= end - c;
}

static void add(struct walker *k, const struct heap_chunk *c)
{
    if (k->w->n < k->max)
        k->out[k->w->n] = *c;
    else
        k->w->truncated = true;
    k->w->n++;
    k->w->odd |= c->odd;
}

/* Where a BAD span starting at c ends: the lowest chunk above c that the
 * free list reaches and whose header checks out as free, or brk. */
static uint64_t resync(struct walker *k, uint64_t c)
{
    const struct heap *h = k->h;
    uint64_t brk = h->s.brk, best = brk;
    uint64_t node = k->w->head;
    uint64_t steps = (brk - h->base) / HEAP_MIN_CHUNK + 1;
    while (node != 0 && steps-- > 0) {
        if (node <= c || node >= brk || (node & (HEAP_ALIGN - 1)) != 0)
            break;
        uint64_t hd, next;
        if (!rd(k, node, &hd) || !rd(k, node + 8, &next))
            break;
        if (!(hd & HEAP_F_ALLOC) && size_ok(node, hd & HEAP_SIZE_MASK, brk) && node < best)
            best = node;
        node = next;
    }
    return best;
}

/* The small heap, [base + HEAP_CONTROL, brk), chunk by chunk. */
static void walk_small(struct walker *k)
{
    const struct heap *h = k->h;
    uint64_t brk = h->s.brk;
    uint64_t c = h->base + HEAP_CONTROL;
    bool known = true, prev_alloc = true, prev_free = false; /* the chunk before c */
    unsigned resyncs = 0;
    while (c < brk) {
        struct heap_chunk ch;
        memset(&ch, 0, sizeof ch);
        ch.addr = c;
        uint64_t hd = 0;
        bool mapped = rd(k, c, &hd);
        uint64_t sz = hd & HEAP_SIZE_MASK;
        if (!mapped || !size_ok(c, sz, brk)) {
            uint64_t next = resyncs++ < MAX_RESYNCS ? resync(k, c) : brk;
            ch.kind = HEAP_CHUNK_BAD;
            ch.size = next - c;
            ch.odd = mapped ? HEAP_ODD_HEADER : HEAP_ODD_UNMAPPED;
            add(k, &ch);
            c = next;
            known = false;
            continue;
        }
        ch.size = sz;
        ch.alloc = (hd & HEAP_F_ALLOC) != 0;
        ch.kind = ch.alloc ? HEAP_CHUNK_USED : HEAP_CHUNK_FREE;
        if (hd & HEAP_F_LARGE)
            ch.odd |= HEAP_ODD_HEADER; /* a large block's header inside the small heap */
        if (known && ((hd & HEAP_F_PREV) != 0) != prev_alloc)
            ch.odd |= HEAP_ODD_PREV;
        if (ch.alloc) {
            if (!rd(k, c + 8, &ch.id))
                ch.odd |= HEAP_ODD_HEADER;
        } else {
            uint64_t foot;
            if (!rd(k, c + sz - 8, &foot) || foot != hd)
                ch.odd |= HEAP_ODD_FOOTER;
            if (known && prev_free)
                ch.odd |= HEAP_ODD_UNMERGED;
        }
        add(k, &ch);
        known = true;
        prev_alloc = ch.alloc;
        prev_free = !ch.alloc;
        c += sz;
    }
}

/* The large blocks: each run of reserved pages of the large region holds
 * blocks whose headers give their sizes in whole pages. */
static void walk_large(struct walker *k)
{
    const struct heap *h = k->h;
    const struct vmm *v = h->p.vmm;
    uint64_t lb, le, start, np;
    vmm_large_region(v, &lb, &le);
    uint64_t va = lb;
    while (va < le && vmm_large_next(v, va, &start, &np)) {
        uint64_t end = start + (np << X86_PAGE_SHIFT);
        for (uint64_t a = start; a < end;) {
            struct heap_chunk ch;
            memset(&ch, 0, sizeof ch);
            ch.addr = a;
            uint64_t hd = 0;
            bool mapped = rd(k, a, &hd);
            uint64_t sz = hd & HEAP_SIZE_MASK;
            uint64_t want = HEAP_F_ALLOC | HEAP_F_LARGE;
            if (!mapped || (hd & want) != want || sz == 0 || (sz & (X86_PAGE_SIZE - 1)) != 0 ||
                sz > end - a || !rd(k, a + 8, &ch.id)) {
                ch.kind = HEAP_CHUNK_BAD;
                ch.size = end - a;
                ch.odd = mapped ? HEAP_ODD_HEADER : HEAP_ODD_UNMAPPED;
                add(k, &ch);
                break;
            }
            ch.kind = HEAP_CHUNK_LARGE;
            ch.alloc = true;
            ch.size = sz;
            add(k, &ch);
            a += sz;
        }
        va = end;
    }
}

/* The stored chunk at addr, or NULL (out[] is in address order). */
static struct heap_chunk *find(const struct walker *k, uint64_t addr)
{
    size_t lo = 0, hi = k->w->n < k->max ? k->w->n : k->max;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->out[mid].addr == addr)
            return &k->out[mid];
        if (k->out[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Follows the free list from its head, marking what it reaches. */
static void walk_list(struct walker *k)
{
    struct heap_walk *w = k->w;
    size_t stored = w->n < k->max ? w->n : k->max;
    uint64_t last = stored > 0 ? k->out[stored - 1].addr : 0;
    uint64_t node = w->head, prev = 0;
    while (node != 0) {
        struct heap_chunk *ch = find(k, node);
        if (ch == NULL) {
            w->list_broken = !(w->truncated && node > last); /* past what is stored: unknown */
            break;
        }
        if (ch->kind != HEAP_CHUNK_FREE || ch->listed) {
            if (ch->alloc)
                ch->odd |= HEAP_ODD_LISTED;
            w->list_broken = true; /* a link into a block, a BAD span, or a loop */
            break;
        }
        ch->listed = true;
        w->listed++;
        uint64_t back, next;
        if (!rd(k, node + 16, &back) || back != prev)
            ch->odd |= HEAP_ODD_BACKLINK;
        if (!rd(k, node + 8, &next)) {
            w->list_broken = true;
            break;
        }
        prev = node;
        node = next;
    }
    for (size_t i = 0; i < stored; i++) {
        if (k->out[i].kind == HEAP_CHUNK_FREE && !k->out[i].listed)
            k->out[i].odd |= HEAP_ODD_UNLISTED;
        w->odd |= k->out[i].odd;
    }
}

size_t heap_walk(const struct heap *h, struct heap_chunk *out, size_t max, struct heap_walk *w)
{
    memset(w, 0, sizeof *w);
    w->policy = "first fit, LIFO free list";
    w->base = h->base;
    w->brk = h->s.brk < h->base || h->s.brk > h->end ? h->base : h->s.brk;
    struct walker k = {h, out, out != NULL ? max : 0, w, 0, 0, false};
    if (w->brk > w->base) {
        if (!rd(&k, h->base, &w->head))
            w->list_broken = true;
        walk_small(&k);
    }
    walk_large(&k);
    if (w->brk > w->base && !w->list_broken)
        walk_list(&k);
    return w->n;
}

bool heap_chunk_next(const struct heap *h, uint64_t addr, struct heap_chunk *out)
{
    struct heap_walk w;
    struct walker wk = {h, NULL, 0, &w, 0, 0, false};
    struct walker *k = &wk;
    uint64_t brk = h->s.brk, c = h->base + HEAP_CONTROL, hd;
    if (brk <= h->base || brk > h->end)
        return false;
    if (addr != 0) {
        if (addr < c || addr >= brk || (addr & (HEAP_ALIGN - 1)) != 0 || !rd(k, addr, &hd) ||
            !size_ok(addr, hd & HEAP_SIZE_MASK, brk))
            return false;
        c = addr + (hd & HEAP_SIZE_MASK);
    }
    if (c >= brk || !rd(k, c, &hd) || !size_ok(c, hd & HEAP_SIZE_MASK, brk))
        return false;
    memset(out, 0, sizeof *out);
    out->addr = c;
    out->size = hd & HEAP_SIZE_MASK;
    out->alloc = (hd & HEAP_F_ALLOC) != 0;
    out->kind = out->alloc ? HEAP_CHUNK_USED : HEAP_CHUNK_FREE;
    if (out->alloc)
        rd(k, c + 8, &out->id);
    return true;
}
