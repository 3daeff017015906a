/*
 * heap.c - a boundary-tag allocator with one explicit free list, over VMM
 * pages, whose metadata lives in simulated RAM and is reached only through
 * the MMU (see heap.h for the chunk layout and docs/memory-layout.md for the
 * reasons). Knuth's boundary tags (TAOCP 2.5) give O(1) coalescing with both
 * neighbours; the PREV_ALLOC bit spares allocated chunks a footer, as in
 * dlmalloc.
 *
 * Each operation makes a dozen or so metadata accesses, nearly all TLB hits
 * on a few pages: ld and st are the MMU's 8-byte loads and stores with a
 * memo of recent translations (mmu_load64, mmu_store64), which the heap
 * keeps and tells when an operation begins.
 */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

#include "heap_impl.h"
#include "mmu.h"
#include "phys.h"
#include "vmm.h"
#include "x86.h"

#define DEFAULT_THRESHOLD (UINT64_C(128) << 10)

/* Called as every operation begins (see mmu_memo_begin). */
static void memo_begin(struct heap *h)
{
    mmu_memo_begin(h->p.mmu, &h->memo);
}

struct heap *heap_create(const struct heap_parts *parts, uint64_t large_threshold)
{
    if (parts == NULL || parts->mmu == NULL || parts->vmm == NULL)
        return NULL;
    struct heap *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->p = *parts;
    h->threshold = large_threshold != 0 ? large_threshold : DEFAULT_THRESHOLD;
    vmm_heap_region(parts->vmm, &h->base, &h->end);
    h->s.brk = h->base;
    h->s.end_prev_alloc = 1;
    mmu_memo_init(&h->memo, &h->s.meta_faults);
    return h;
}

void heap_destroy(struct heap *h)
{
    free(h);
}

/* --- events ------------------------------------------------------------------ */

static void emit(const struct heap *h, enum event_kind k, uint32_t id, uint64_t va, uint64_t size,
                 uint64_t old, uint64_t new)
{
    const struct event_sink *sink = h->p.mmu->sink;
    if (!event_listening(sink))
        return;
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = k;
    ev.id = id;
    ev.va = va;
    ev.size = size;
    ev.old = old;
    ev.new = new;
    event_emit(sink, &ev);
}

/* --- metadata through the MMU ------------------------------------------------- */

static bool xlate(struct heap *h, uint64_t va, enum mmu_access acc, uint64_t *pa)
{
    struct mmu_request rq = {va, acc, false, false};
    struct mmu_result res;
    if (!mmu_translate(h->p.mmu, &rq, &res)) {
        h->s.meta_faults++;
        return false;
    }
    *pa = res.pa;
    return true;
}

/* ld and st are the hot path of every operation: supervisor 8-byte loads
 * and stores through the MMU and the heap's memo, whose faults count as
 * metadata faults (a load reads 0, a store is dropped). */
static inline uint64_t ld(struct heap *h, uint64_t va)
{
    return mmu_load64(h->p.mmu, &h->memo, va);
}

static inline void st(struct heap *h, uint64_t va, uint64_t v)
{
    mmu_store64(h->p.mmu, &h->memo, va, v);
}

static uint64_t page_room(uint64_t va)
{
    return X86_PAGE_SIZE - (va & (X86_PAGE_SIZE - 1));
}

void heap_zero(struct heap *h, uint64_t va, uint64_t len)
{
    memo_begin(h);
    while (len > 0) {
        uint64_t n = page_room(va);
        if (n > len)
            n = len;
        uint64_t pa;
        if (!xlate(h, va, MMU_WRITE, &pa))
            return;
        phys_fill(h->p.phys, pa, 0, n);
        va += n;
        len -= n;
    }
}

static void copy(struct heap *h, uint64_t dst, uint64_t src, uint64_t len)
{
    uint8_t buf[512];
    while (len > 0) {
        uint64_t n = sizeof buf;
        if (n > len)
            n = len;
        if (n > page_room(src))
            n = page_room(src);
        if (n > page_room(dst))
            n = page_room(dst);
        uint64_t spa, dpa;
        if (!xlate(h, src, MMU_READ, &spa) || !xlate(h, dst, MMU_WRITE, &dpa))
            return;
        phys_read(h->p.phys, spa, buf, (size_t)n);
        phys_write(h->p.phys, dpa, buf, (size_t)n);
        src += n;
        dst += n;
        len -= n;
    }
}

/* --- checks --------------------------------------------------------------------- */

static void corrupt(struct heap *h)
{
    h->s.corruptions++;
}

static bool valid_chunk(const struct heap *h, uint64_t c)
{
    return c >= h->base + HEAP_CONTROL && c < h->s.brk && (c & (HEAP_ALIGN - 1)) == 0;
}

static bool valid_size(const struct heap *h, uint64_t c, uint64_t size)
{
    return size >= HEAP_MIN_CHUNK && (size & (HEAP_ALIGN - 1)) == 0 && size <= h->s.brk - c;
}

/* Chunk size for a request of size bytes; 0 when it cannot fit the region. */
static uint64_t need_of(const struct heap *h, uint64_t size)
{
    if (size > h->end - h->base)
        return 0;
    uint64_t n = (size + HEAP_HEADER + HEAP_ALIGN - 1) & ~(uint64_t)(HEAP_ALIGN - 1);
    return n < HEAP_MIN_CHUNK ? HEAP_MIN_CHUNK : n;
}

static uint64_t round_page(uint64_t a)
{
    return (a + X86_PAGE_SIZE - 1) & ~(X86_PAGE_SIZE - 1);
}

/* --- the free list ----------------------------------------------------------------- */

static void list_push(struct heap *h, uint64_t c)
{
    uint64_t head = ld(h, h->base);
    if (head != 0 && !valid_chunk(h, head)) {
        corrupt(h);
        head = 0;
    }
    st(h, c + 8, head);
    st(h, c + 16, 0);
    if (head != 0)
        st(h, head + 16, c);
    st(h, h->base, c);
    h->s.nfree++;
}

static void list_unlink(struct heap *h, uint64_t c)
{
    uint64_t nx = ld(h, c + 8);
    uint64_t pv = ld(h, c + 16);
    if (nx != 0 && !valid_chunk(h, nx)) {
        corrupt(h);
        nx = 0;
    }
    if (pv != 0 && !valid_chunk(h, pv)) {
        corrupt(h);
        pv = 0;
    }
    if (pv != 0)
        st(h, pv + 8, nx);
    else if (ld(h, h->base) == c)
        st(h, h->base, nx);
    else
        corrupt(h); /* not reachable from the head: leave the list alone */
    if (nx != 0)
        st(h, nx + 16, pv);
    if (h->s.nfree > 0)
        h->s.nfree--;
}

/* First fit. A link or header that fails its check ends the list there. */
static uint64_t find_fit(struct heap *h, uint64_t need)
{
    if (h->s.brk == h->base)
        return 0; /* nothing mapped yet: not even the control block */
    uint64_t c = ld(h, h->base);
    uint64_t prev = 0, steps = 0;
    uint64_t max = (h->s.brk - h->base) / HEAP_MIN_CHUNK + 1;
    while (c != 0) {
        uint64_t hd = valid_chunk(h, c) ? ld(h, c) : 0;
        uint64_t sz = hd & HEAP_SIZE_MASK;
        if (!valid_chunk(h, c) || steps >= max || (hd & HEAP_F_ALLOC) || !valid_size(h, c, sz)) {
            corrupt(h);
            st(h, prev != 0 ? prev + 8 : h->base, 0);
            h->s.nfree = steps;
            return 0;
        }
        if (sz >= need)
            return c;
        steps++;
        prev = c;
        c = ld(h, c + 8);
    }
    return 0;
}

static void write_free(struct heap *h, uint64_t c, uint64_t size, uint64_t prevbit)
{
    st(h, c, size | prevbit);
    st(h, c + size - 8, size | prevbit);
}

/* Sets or clears PREV_ALLOC in the chunk at n (or the end marker at brk). */
static void set_prev(struct heap *h, uint64_t n, bool alloc)
{
    if (n == h->s.brk) {
        h->s.end_prev_alloc = alloc;
        return;
    }
    if (!valid_chunk(h, n))
        return;
    uint64_t hd = ld(h, n);
    uint64_t nh = alloc ? hd | HEAP_F_PREV : hd & ~HEAP_F_PREV;
    if (nh != hd)
        st(h, n, nh);
    if (!(hd & HEAP_F_ALLOC) && valid_size(h, n, hd & HEAP_SIZE_MASK))
        st(h, n + (hd & HEAP_SIZE_MASK) - 8, nh);
}

/* --- growing and trimming ------------------------------------------------------------ */

/* Gives whole free pages at the top back; c is a free chunk, listed, ending at brk. */
static void trim(struct heap *h, uint64_t c)
{
    uint64_t brk = h->s.brk;
    uint64_t new_brk;
    if (c == h->base + HEAP_CONTROL) {
        list_unlink(h, c);
        new_brk = h->base;
        h->s.nfree = 0;
        h->s.end_prev_alloc = 1;
    } else if ((c & (X86_PAGE_SIZE - 1)) == 0) {
        list_unlink(h, c);
        new_brk = c;
        h->s.end_prev_alloc = 1; /* free chunks are coalesced: the one before is allocated */
    } else {
        new_brk = round_page(c + HEAP_MIN_CHUNK);
        if (new_brk >= brk)
            return;
        write_free(h, c, new_brk - c, ld(h, c) & HEAP_F_PREV);
    }
    emit(h, EV_HEAP_SHRINK, 0, new_brk, brk - new_brk, 0, 0);
    vmm_free_pages(h->p.vmm, new_brk, (brk - new_brk) >> X86_PAGE_SHIFT);
    h->s.brk = new_brk;
    h->s.shrinks++;
}

/* Maps pages at the top so that a free chunk of at least need bytes ends
 * there; returns it (listed), or 0 when out of frames or virtual room. */
static uint64_t grow(struct heap *h, uint64_t need)
{
    uint64_t old_brk = h->s.brk;
    uint64_t start = old_brk, last = 0;
    if (old_brk == h->base) {
        start = h->base + HEAP_CONTROL;
    } else if (!h->s.end_prev_alloc) {
        uint64_t foot = ld(h, old_brk - 8);
        uint64_t ls = foot & HEAP_SIZE_MASK;
        uint64_t l = old_brk - ls;
        if (ls >= HEAP_MIN_CHUNK && ls <= old_brk - h->base && valid_chunk(h, l) &&
            ld(h, l) == foot && !(foot & HEAP_F_ALLOC)) {
            start = l;
            last = l;
        } else {
            corrupt(h);
        }
    }
    if (need > h->end - start)
        return 0;
    uint64_t new_brk = round_page(start + need);
    if (new_brk > h->end)
        return 0;
    emit(h, EV_HEAP_GROW, 0, old_brk, new_brk - old_brk, 0, 0);
    if (vmm_alloc_pages(h->p.vmm, old_brk, (new_brk - old_brk) >> X86_PAGE_SHIFT) != VMM_OK)
        return 0;
    h->s.grows++;
    h->s.brk = new_brk;
    uint64_t prevbit = HEAP_F_PREV;
    if (old_brk == h->base) {
        st(h, h->base, 0); /* the control block: empty free list */
        st(h, h->base + 8, 0);
        h->s.nfree = 0;
    } else if (last != 0) {
        prevbit = ld(h, last) & HEAP_F_PREV;
        list_unlink(h, last);
        h->s.coalesces++;
        emit(h, EV_BLOCK_COALESCE, 0, last, new_brk - last, 0, 0);
    }
    write_free(h, start, new_brk - start, prevbit);
    h->s.end_prev_alloc = 0;
    list_push(h, start);
    return start;
}

/* Allocates need bytes of the listed free chunk c for id; returns the payload. */
static uint64_t take(struct heap *h, uint64_t c, uint64_t need, uint32_t id)
{
    uint64_t hd = ld(h, c);
    uint64_t sz = hd & HEAP_SIZE_MASK;
    uint64_t prevbit = hd & HEAP_F_PREV;
    list_unlink(h, c);
    if (sz - need >= HEAP_MIN_CHUNK) {
        uint64_t r = c + need;
        st(h, c, need | HEAP_F_ALLOC | prevbit);
        st(h, c + 8, id);
        write_free(h, r, sz - need, HEAP_F_PREV);
        list_push(h, r);
        h->s.splits++;
        emit(h, EV_BLOCK_SPLIT, id, r, sz - need, 0, 0);
    } else {
        st(h, c, sz | HEAP_F_ALLOC | prevbit);
        st(h, c + 8, id);
        set_prev(h, c + sz, true);
    }
    return c + HEAP_HEADER;
}

/* --- large blocks ------------------------------------------------------------------------ */

static uint64_t large_pages(uint64_t size)
{
    return (size + HEAP_HEADER + X86_PAGE_SIZE - 1) >> X86_PAGE_SHIFT;
}

static bool malloc_large(struct heap *h, uint32_t id, uint64_t size, uint64_t *va)
{
    uint64_t lb, le;
    vmm_large_region(h->p.vmm, &lb, &le);
    if (size > le - lb)
        return false;
    uint64_t n = large_pages(size);
    uint64_t a;
    if (!vmm_large_reserve(h->p.vmm, n, &a))
        return false;
    emit(h, EV_HEAP_GROW, id, a, n << X86_PAGE_SHIFT, 0, 0);
    if (vmm_alloc_pages(h->p.vmm, a, n) != VMM_OK) {
        vmm_large_release(h->p.vmm, a, n);
        return false;
    }
    h->s.grows++;
    st(h, a, (n << X86_PAGE_SHIFT) | HEAP_F_ALLOC | HEAP_F_LARGE);
    st(h, a + 8, id);
    h->s.large_blocks++;
    *va = a + HEAP_HEADER;
    return true;
}

static void free_large(struct heap *h, uint32_t id, uint64_t va, uint64_t size)
{
    uint64_t a = va - HEAP_HEADER;
    uint64_t n = large_pages(size);
    uint64_t hd = ld(h, a);
    if (hd != ((n << X86_PAGE_SHIFT) | HEAP_F_ALLOC | HEAP_F_LARGE))
        corrupt(h); /* the id table, not the overwritten header, says how big it is */
    emit(h, EV_BLOCK_FREE, id, va, size, 0, 0);
    emit(h, EV_HEAP_SHRINK, id, a, n << X86_PAGE_SHIFT, 0, 0);
    vmm_free_pages(h->p.vmm, a, n);
    vmm_large_release(h->p.vmm, a, n);
    h->s.shrinks++;
    if (h->s.large_blocks > 0)
        h->s.large_blocks--;
}

/* --- the interface ---------------------------------------------------------------------- */

bool heap_malloc(struct heap *h, uint32_t id, uint64_t size, uint64_t *va, bool *large)
{
    memo_begin(h);
    uint64_t p;
    if (size >= h->threshold) {
        if (!malloc_large(h, id, size, &p))
            return false;
        *large = true;
    } else {
        uint64_t need = need_of(h, size);
        if (need == 0)
            return false;
        uint64_t c = find_fit(h, need);
        if (c == 0)
            c = grow(h, need);
        if (c == 0)
            return false;
        p = take(h, c, need, id);
        *large = false;
    }
    emit(h, EV_BLOCK_ALLOC, id, p, size, 0, 0);
    *va = p;
    return true;
}

static void free_small(struct heap *h, uint32_t id, uint64_t va, uint64_t size)
{
    uint64_t c = va - HEAP_HEADER;
    if (!valid_chunk(h, c)) {
        corrupt(h);
        return;
    }
    uint64_t hd = ld(h, c);
    uint64_t sz = hd & HEAP_SIZE_MASK;
    uint64_t need = need_of(h, size);
    if (!(hd & HEAP_F_ALLOC) || (hd & HEAP_F_LARGE) || !valid_size(h, c, sz) || sz < need) {
        /* The header was overwritten: rebuild it from what the id table
         * knows, and do not trust the neighbour behind it. */
        corrupt(h);
        if (need == 0 || !valid_size(h, c, need))
            return;
        sz = need;
        hd = sz | HEAP_F_ALLOC | HEAP_F_PREV;
    }
    uint64_t prevbit = hd & HEAP_F_PREV;
    emit(h, EV_BLOCK_FREE, id, va, size, 0, 0);
    uint64_t n = c + sz;
    if (n < h->s.brk) {
        uint64_t nh = ld(h, n);
        uint64_t ns = nh & HEAP_SIZE_MASK;
        if (!(nh & HEAP_F_ALLOC) && valid_size(h, n, ns) && ld(h, n + ns - 8) == nh) {
            list_unlink(h, n);
            sz += ns;
            h->s.coalesces++;
            emit(h, EV_BLOCK_COALESCE, id, c, sz, 0, 0);
        }
    }
    if (!prevbit && c > h->base + HEAP_CONTROL) {
        uint64_t foot = ld(h, c - 8);
        uint64_t ps = foot & HEAP_SIZE_MASK;
        uint64_t p = c - ps;
        if (ps >= HEAP_MIN_CHUNK && (ps & (HEAP_ALIGN - 1)) == 0 && ps <= c - h->base &&
            valid_chunk(h, p) && ld(h, p) == foot && !(foot & HEAP_F_ALLOC)) {
            list_unlink(h, p);
            prevbit = foot & HEAP_F_PREV;
            c = p;
            sz += ps;
            h->s.coalesces++;
            emit(h, EV_BLOCK_COALESCE, id, c, sz, 0, 0);
        } else {
            corrupt(h);
        }
    }
    write_free(h, c, sz, prevbit);
    set_prev(h, c + sz, false);
    list_push(h, c);
    if (c + sz == h->s.brk)
        trim(h, c);
}

void heap_free(struct heap *h, uint32_t id, uint64_t va, uint64_t size, bool large)
{
    memo_begin(h);
    if (large)
        free_large(h, id, va, size);
    else
        free_small(h, id, va, size);
}

/* Frees the tail [c + need, c + sz) of the allocated chunk c, merging it with
 * a free successor. */
static void shrink_in_place(struct heap *h, uint32_t id, uint64_t c, uint64_t sz, uint64_t need,
                            uint64_t prevbit)
{
    uint64_t r = c + need;
    uint64_t rs = sz - need;
    uint64_t n = c + sz;
    if (n < h->s.brk) {
        uint64_t nh = ld(h, n);
        uint64_t ns = nh & HEAP_SIZE_MASK;
        if (!(nh & HEAP_F_ALLOC) && valid_size(h, n, ns) && ld(h, n + ns - 8) == nh) {
            list_unlink(h, n);
            rs += ns;
            h->s.coalesces++;
            emit(h, EV_BLOCK_COALESCE, id, r, rs, 0, 0);
        }
    }
    if (rs < HEAP_MIN_CHUNK)
        return;
    st(h, c, need | HEAP_F_ALLOC | prevbit);
    write_free(h, r, rs, HEAP_F_PREV);
    set_prev(h, r + rs, false);
    list_push(h, r);
    h->s.splits++;
    emit(h, EV_BLOCK_SPLIT, id, r, rs, 0, 0);
    if (r + rs == h->s.brk)
        trim(h, r);
}

/* Tries to resize the small block at c in place; true when done. */
static bool realloc_small_in_place(struct heap *h, uint32_t id, uint64_t c, uint64_t need)
{
    uint64_t hd = ld(h, c);
    uint64_t sz = hd & HEAP_SIZE_MASK;
    uint64_t prevbit = hd & HEAP_F_PREV;
    if (!(hd & HEAP_F_ALLOC) || (hd & HEAP_F_LARGE) || !valid_size(h, c, sz)) {
        corrupt(h);
        return false;
    }
    if (need <= sz) {
        if (sz - need >= HEAP_MIN_CHUNK)
            shrink_in_place(h, id, c, sz, need, prevbit);
        return true;
    }
    uint64_t n = c + sz;
    if (n < h->s.brk) {
        uint64_t nh = ld(h, n);
        uint64_t ns = nh & HEAP_SIZE_MASK;
        if ((nh & HEAP_F_ALLOC) || !valid_size(h, n, ns) || ld(h, n + ns - 8) != nh)
            return false;
        /* A free successor too small still helps when it reaches the top:
         * the heap grows under both. */
        if (sz + ns < need && n + ns != h->s.brk)
            return false;
        list_unlink(h, n);
        sz += ns;
        h->s.coalesces++;
        emit(h, EV_BLOCK_COALESCE, id, c, sz, 0, 0);
        st(h, c, sz | HEAP_F_ALLOC | prevbit);
        if (n + ns == h->s.brk)
            h->s.end_prev_alloc = 1;
        else
            set_prev(h, c + sz, true);
        if (need <= sz) {
            if (sz - need >= HEAP_MIN_CHUNK)
                shrink_in_place(h, id, c, sz, need, prevbit);
            return true;
        }
        n = c + sz; /* == brk: grow below */
    }
    if (n != h->s.brk)
        return false;
    uint64_t new_brk = round_page(c + need);
    if (new_brk > h->end || c + need < c)
        return false;
    emit(h, EV_HEAP_GROW, id, n, new_brk - n, 0, 0);
    if (vmm_alloc_pages(h->p.vmm, n, (new_brk - n) >> X86_PAGE_SHIFT) != VMM_OK)
        return false;
    h->s.grows++;
    h->s.brk = new_brk;
    sz = new_brk - c;
    st(h, c, sz | HEAP_F_ALLOC | prevbit);
    h->s.end_prev_alloc = 1;
    if (sz - need >= HEAP_MIN_CHUNK)
        shrink_in_place(h, id, c, sz, need, prevbit);
    return true;
}

static bool realloc_large_in_place(struct heap *h, uint32_t id, uint64_t va, uint64_t old_size,
                                   uint64_t new_size)
{
    uint64_t a = va - HEAP_HEADER;
    uint64_t oldn = large_pages(old_size), newn = large_pages(new_size);
    if (newn < oldn) {
        uint64_t tail = a + (newn << X86_PAGE_SHIFT);
        emit(h, EV_HEAP_SHRINK, id, tail, (oldn - newn) << X86_PAGE_SHIFT, 0, 0);
        vmm_free_pages(h->p.vmm, tail, oldn - newn);
        vmm_large_release(h->p.vmm, tail, oldn - newn);
        h->s.shrinks++;
    } else if (newn > oldn) {
        if (!vmm_large_extend(h->p.vmm, a, oldn, newn))
            return false;
        uint64_t tail = a + (oldn << X86_PAGE_SHIFT);
        emit(h, EV_HEAP_GROW, id, tail, (newn - oldn) << X86_PAGE_SHIFT, 0, 0);
        if (vmm_alloc_pages(h->p.vmm, tail, newn - oldn) != VMM_OK) {
            vmm_large_release(h->p.vmm, tail, newn - oldn);
            return false;
        }
        h->s.grows++;
    }
    st(h, a, (newn << X86_PAGE_SHIFT) | HEAP_F_ALLOC | HEAP_F_LARGE);
    return true;
}

bool heap_realloc(struct heap *h, uint32_t id, uint32_t new_id, uint64_t va, uint64_t old_size,
                  bool old_large, uint64_t new_size, uint64_t *new_va, bool *new_large)
{
    memo_begin(h);
    bool want_large = new_size >= h->threshold;
    if (old_large == want_large) {
        bool done;
        if (old_large) {
            uint64_t lb, le;
            vmm_large_region(h->p.vmm, &lb, &le);
            done = new_size <= le - lb && realloc_large_in_place(h, id, va, old_size, new_size);
        } else {
            uint64_t need = need_of(h, new_size);
            done = need != 0 && realloc_small_in_place(h, id, va - HEAP_HEADER, need);
        }
        if (done) {
            if (new_id != id)
                st(h, va - HEAP_HEADER + 8, new_id); /* the header names the block anew */
            *new_va = va;
            *new_large = old_large;
            emit(h, EV_BLOCK_ALLOC, id, va, new_size, 0, 0);
            return true;
        }
    }
    uint64_t nva;
    bool nl;
    if (!heap_malloc(h, new_id, new_size, &nva, &nl))
        return false;
    copy(h, nva, va, old_size < new_size ? old_size : new_size);
    heap_free(h, id, va, old_size, old_large);
    h->s.moves++;
    emit(h, EV_BLOCK_MOVE, id, nva, new_size, va, nva);
    *new_va = nva;
    *new_large = nl;
    return true;
}

/* --- views and step-back ------------------------------------------------------------------ */

struct heap_stats heap_stats(const struct heap *h)
{
    struct heap_stats s;
    memset(&s, 0, sizeof s);
    s.brk = h->s.brk;
    s.heap_pages = (h->s.brk - h->base) >> X86_PAGE_SHIFT;
    s.large_blocks = h->s.large_blocks;
    s.free_chunks = h->s.nfree;
    s.grows = h->s.grows;
    s.shrinks = h->s.shrinks;
    s.splits = h->s.splits;
    s.coalesces = h->s.coalesces;
    s.moves = h->s.moves;
    s.corruptions = h->s.corruptions;
    s.meta_faults = h->s.meta_faults;
    return s;
}

uint64_t heap_corruptions(const struct heap *h)
{
    return h->s.corruptions;
}

size_t heap_scalars_size(void)
{
    return sizeof(struct heap_scalars);
}

void heap_scalars_save(const struct heap *h, void *dst)
{
    memcpy(dst, &h->s, sizeof h->s);
}

void heap_scalars_load(struct heap *h, const void *src)
{
    memcpy(&h->s, src, sizeof h->s);
    mmu_memo_reset(&h->memo);
}

uint64_t heap_hash(const struct heap *h, uint64_t hash)
{
    const uint64_t f[] = {h->s.brk,   h->s.end_prev_alloc, h->s.nfree,      h->s.large_blocks,
                          h->s.grows, h->s.shrinks,        h->s.splits,     h->s.coalesces,
                          h->s.moves, h->s.corruptions,    h->s.meta_faults};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        for (int b = 0; b < 8; b++) {
            hash ^= (f[i] >> (8 * b)) & 0xFF;
            hash *= UINT64_C(0x100000001b3);
        }
    }
    return hash;
}
