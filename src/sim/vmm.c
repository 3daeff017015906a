/*
 * vmm.c - a small kernel's virtual memory manager (see vmm.h).
 *
 * One loop walks the levels of every mode (xv6's walkpgdir, generalised over
 * SDM Vol. 3A 4.3, 4.4 and 4.5): the geometry table below gives, per mode,
 * the levels, the linear-address shift and index width of each, and the
 * entry size (4 bytes in 32-bit paging, 8 in PAE and 4-level paging). Tables
 * are found through the entries in simulated RAM, exactly as the MMU finds
 * them, so the VMM and the hardware can never disagree about a mapping.
 *
 * Emptied tables are found without rescanning them: a tracked array keeps,
 * per frame, the number of present entries of the table living there (bit 15
 * pins the table: top level, PAE directories and every table built at boot,
 * the kernel's own, are never given back).
 */
#include "vmm.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mmu.h"
#include "pfa.h"
#include "phys.h"
#include "tlb.h"
#include "tmem.h"
#include "x86.h"

#define COUNT_PINNED 0x8000u
#define COUNT_MASK   0x7FFFu

/* Every scalar of the VMM: saved and loaded whole (no padding: all uint64_t). */
struct vmm_scalars {
    uint64_t top;        /* pa of the top-level table */
    uint64_t large_hint; /* lowest large-region page that may be free */
    uint64_t tables;
    uint64_t pages;
    uint64_t large_pages;
    uint64_t tables_allocated;
    uint64_t tables_freed;
    uint64_t invlpg;
    uint64_t booting; /* 1 while vmm_boot runs: new tables are pinned */
};

struct vmm {
    struct vmm_parts p;
    enum paging_mode mode;
    const struct paging_geom *g; /* the mode's row of paging.h */
    uint64_t nframes;
    struct tmem *counts; /* uint16_t LE per frame */
    struct tmem *large;  /* one bit per page of the large region */
    uint64_t large_npages;
    struct vmm_scalars s;
};

static void emit(const struct vmm *v, struct event *ev)
{
    event_emit(v->p.sink, ev);
}

/* Reports event k when someone listens. */
static void emit_ev(const struct vmm *v, enum event_kind k, uint8_t level, uint64_t va, uint64_t pa,
                    uint64_t size, uint64_t extra, uint64_t old, uint64_t e)
{
    if (!event_listening(v->p.sink))
        return;
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = k;
    ev.level = level;
    ev.va = va;
    ev.pa = pa;
    ev.size = size;
    ev.extra = extra;
    ev.old = old;
    ev.new = e;
    emit(v, &ev);
}

/* An event with no entry values. */
static void emit_simple(const struct vmm *v, enum event_kind k, uint64_t va, uint64_t pa,
                        uint64_t size, uint64_t extra, uint8_t level)
{
    emit_ev(v, k, level, va, pa, size, extra, 0, 0);
}

struct vmm *vmm_create(const struct vmm_parts *parts, enum paging_mode mode, uint64_t nframes)
{
    if (parts == NULL || nframes == 0 || paging_geom(mode) == NULL)
        return NULL;
    struct vmm *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->p = *parts;
    v->mode = mode;
    v->g = paging_geom(mode);
    v->nframes = nframes;
    uint64_t base, end;
    vmm_large_region(v, &base, &end);
    v->large_npages = (end - base) >> X86_PAGE_SHIFT;
    v->counts = tmem_create(nframes * 2);
    v->large = tmem_create((v->large_npages + 7) / 8);
    if (v->counts == NULL || v->large == NULL) {
        vmm_destroy(v);
        return NULL;
    }
    return v;
}

void vmm_destroy(struct vmm *v)
{
    if (v == NULL)
        return;
    tmem_destroy(v->counts);
    tmem_destroy(v->large);
    free(v);
}

/* --- per-table entry counts ------------------------------------------------ */

static unsigned count_get(const struct vmm *v, uint64_t pfn)
{
    if (pfn >= v->nframes)
        return 0;
    const uint8_t *b = v->counts->data + pfn * 2;
    return (unsigned)b[0] | (unsigned)b[1] << 8;
}

static void count_set(struct vmm *v, uint64_t pfn, unsigned c)
{
    if (pfn >= v->nframes)
        return;
    tmem_touch(v->counts, pfn * 2, 2);
    v->counts->data[pfn * 2] = (uint8_t)(c & 0xFF);
    v->counts->data[pfn * 2 + 1] = (uint8_t)(c >> 8);
}

static void count_add(struct vmm *v, uint64_t table_pa, int d)
{
    uint64_t pfn = pa_to_pfn(table_pa);
    unsigned c = count_get(v, pfn);
    unsigned n = c & COUNT_MASK;
    if (d > 0)
        n++;
    else if (n > 0)
        n--;
    count_set(v, pfn, (c & COUNT_PINNED) | (n & COUNT_MASK));
}

unsigned vmm_table_entries(const struct vmm *v, uint64_t pfn)
{
    return count_get(v, pfn) & COUNT_MASK;
}

/* --- entries ---------------------------------------------------------------- */

static uint64_t addr_mask(const struct vmm *v)
{
    return paging_addr_mask(v->g, v->p.cpu->maxphyaddr);
}

/* 64-bit entries have XD, and vmm_boot turns EFER.NXE on with them. */
static bool nx_on(const struct vmm *v)
{
    return v->g->entry_bytes == 8;
}

static uint64_t load_entry(const struct vmm *v, uint64_t ea)
{
    if (v->g->entry_bytes == 4)
        return phys_load32(v->p.phys, ea);
    return phys_load64(v->p.phys, ea);
}

static void store_entry(struct vmm *v, uint64_t ea, uint64_t e)
{
    if (v->g->entry_bytes == 4)
        phys_store32(v->p.phys, ea, (uint32_t)e);
    else
        phys_store64(v->p.phys, ea, e);
}

/* The first linear address the entry at depth d for va covers. */
static uint64_t entry_va(const struct vmm *v, uint64_t va, unsigned d)
{
    return va & ~(paging_span(v->g, d) - 1);
}

static void write_entry(struct vmm *v, unsigned d, uint64_t ea, uint64_t va, uint64_t e)
{
    uint64_t old = load_entry(v, ea);
    store_entry(v, ea, e);
    if (event_listening(v->p.sink))
        event_emit_entry(v->p.sink, EV_ENTRY_WRITE, v->g->lv[d].level, entry_va(v, va, d), ea, old,
                         e);
}

static void invlpg(struct vmm *v, uint64_t va)
{
    if (v->p.tlb != NULL)
        tlb_invlpg(v->p.tlb, va);
    v->s.invlpg++;
}

static uint64_t leaf_entry(const struct vmm *v, unsigned d, uint64_t pa, unsigned flags)
{
    uint64_t e = X86_PTE_P;
    if (flags & VMM_F_RW)
        e |= X86_PTE_RW;
    if (flags & VMM_F_USER)
        e |= X86_PTE_US;
    if (flags & VMM_F_GLOBAL)
        e |= X86_PTE_G;
    if ((flags & VMM_F_NX) && nx_on(v))
        e |= X86_PTE_XD;
    if (d + 1u < v->g->nlevels)
        e |= X86_PDE_PS;
    return e | paging_leaf_addr_bits(v->g, d, pa, v->p.cpu->maxphyaddr);
}

static uint64_t table_entry(const struct vmm *v, unsigned d, uint64_t pa)
{
    if (v->g->pdpte_regs && d == 0)
        return pa | X86_PTE_P; /* a PDPTE holds only P, PWT, PCD and the address */
    return pa | X86_PTE_P | X86_PTE_RW;
}

static enum frame_role role_of_level(uint8_t lvl)
{
    switch ((enum walk_level)lvl) {
    case LVL_PML4E:
        return ROLE_PML4;
    case LVL_PDPTE:
        return ROLE_PDPT;
    case LVL_PDE:
        return ROLE_PD;
    case LVL_PTE:
        return ROLE_PT;
    }
    return ROLE_PT;
}

/* Allocates a zeroed table for the entries of depth d. */
static enum vmm_status alloc_table(struct vmm *v, unsigned d, uint64_t *pa)
{
    uint8_t lvl = v->g->lv[d].level;
    enum frame_role role = role_of_level(lvl);
    uint64_t pfn;
    if (pfa_alloc(v->p.pfa, role, &pfn) != PFA_OK)
        return VMM_ERR_NO_FRAME;
    uint64_t a = pfn_to_pa(pfn);
    emit_simple(v, EV_FRAME_ALLOC, 0, a, X86_PAGE_SIZE, (uint64_t)role, 0);
    phys_fill(v->p.phys, a, 0, X86_PAGE_SIZE);
    count_set(v, pfn, v->s.booting ? COUNT_PINNED : 0);
    v->s.tables++;
    v->s.tables_allocated++;
    emit_simple(v, EV_TABLE_ALLOC, 0, a, X86_PAGE_SIZE, 0, lvl);
    *pa = a;
    return VMM_OK;
}

static void free_table(struct vmm *v, unsigned d, uint64_t pa)
{
    uint64_t pfn = pa_to_pfn(pa);
    count_set(v, pfn, 0);
    if (v->s.tables > 0)
        v->s.tables--;
    v->s.tables_freed++;
    emit_simple(v, EV_TABLE_FREE, 0, pa, X86_PAGE_SIZE, 0, v->g->lv[d].level);
    pfa_free(v->p.pfa, pfn);
    emit_simple(v, EV_FRAME_FREE, 0, pa, X86_PAGE_SIZE, 0, 0);
}

/* True when the mode translates va: canonical in 4-level paging, below
 * 4 GiB otherwise. */
static bool va_ok(const struct vmm *v, uint64_t va)
{
    return paging_va_canon(v->g, va) == va;
}

/* --- the walker ---------------------------------------------------------------- */

/* Where a walk stopped, and the way down (xv6's walkpgdir, returning the
 * path instead of one PTE pointer). */
struct path {
    unsigned d;                        /* depth of the entry it stopped at */
    uint64_t e;                        /* that entry's value */
    uint64_t table[PAGING_MAX_LEVELS]; /* the table read at each depth 0..d */
    uint64_t ea[PAGING_MAX_LEVELS];    /* the entry's address at each depth 0..d */
    unsigned made;                     /* bit k: the table at depth k+1 was allocated */
};

/* Gives back the tables walk() allocated for va, deepest first: their
 * parent entries cleared and uncounted, their frames freed. */
static void unmake(struct vmm *v, uint64_t va, struct path *p)
{
    for (unsigned k = PAGING_MAX_LEVELS; k-- > 0;) {
        if (!(p->made & (1u << k)))
            continue;
        write_entry(v, k, p->ea[k], va, 0);
        count_add(v, p->table[k], -1);
        free_table(v, k + 1, p->table[k + 1]);
    }
    p->made = 0;
}

/*
 * Descends from the top-level table towards va's entry at depth stop and
 * stops early at a present leaf (a large page) or, unless alloc, at an entry
 * that is not present. With alloc, a missing table above stop is allocated
 * zeroed and linked in (recorded in p->made); when a frame runs out, the
 * tables this walk allocated are given back and VMM_ERR_NO_FRAME returned.
 * Otherwise VMM_OK with p->d, p->e and the path filled. va must be va_ok().
 */
static inline enum vmm_status walk(struct vmm *v, uint64_t va, unsigned stop, bool alloc,
                                   struct path *p)
{
    const struct paging_geom *g = v->g;
    uint64_t table = v->s.top;
    p->made = 0;
    for (unsigned d = 0;; d++) {
        uint64_t ea = table + (uint64_t)paging_index(g, d, va) * g->entry_bytes;
        uint64_t e = load_entry(v, ea);
        p->d = d;
        p->e = e;
        p->table[d] = table;
        p->ea[d] = ea;
        bool present = (e & X86_PTE_P) != 0;
        if (d >= stop || (present && paging_is_leaf(g, d, e)) || (!present && !alloc))
            return VMM_OK;
        if (present) {
            table = e & addr_mask(v);
            continue;
        }
        enum vmm_status st = alloc_table(v, d + 1, &table);
        if (st != VMM_OK) {
            unmake(v, va, p);
            return st;
        }
        write_entry(v, d, ea, va, table_entry(v, d, table));
        count_add(v, p->table[d], 1);
        p->made |= 1u << d;
    }
}

/* The depth of the PTEs: 4 KiB pages. */
static unsigned pte_depth(const struct vmm *v)
{
    return v->g->nlevels - 1u;
}

/* Maps va -> pa with a leaf at depth leaf_d (pte_depth(): 4 KiB). */
static enum vmm_status map_at(struct vmm *v, uint64_t va, uint64_t pa, unsigned flags,
                              unsigned leaf_d)
{
    if (!va_ok(v, va) || v->s.top == 0)
        return VMM_ERR_RANGE;
    struct path p;
    enum vmm_status st = walk(v, va, leaf_d, true, &p);
    if (st != VMM_OK)
        return st;
    if (p.d != leaf_d || (p.e & X86_PTE_P))
        return VMM_ERR_MAPPED; /* this page, or a large page holding it */
    unsigned d = p.d;
    uint64_t ne = leaf_entry(v, d, pa, flags);
    write_entry(v, d, p.ea[d], va, ne);
    count_add(v, p.table[d], 1);
    if (d == pte_depth(v) && !v->s.booting)
        v->s.pages++;
    emit_ev(v, EV_PAGE_MAP, v->g->lv[d].level, va, pa, paging_span(v->g, d), 0, 0, ne);
    return VMM_OK;
}

enum vmm_status vmm_map(struct vmm *v, uint64_t va, uint64_t pa, unsigned flags)
{
    return map_at(v, va, pa, flags, pte_depth(v));
}

enum vmm_status vmm_unmap(struct vmm *v, uint64_t va, uint64_t *pa)
{
    if (!va_ok(v, va) || v->s.top == 0)
        return VMM_ERR_NOT_MAPPED;
    struct path p;
    walk(v, va, pte_depth(v), false, &p);
    if (!(p.e & X86_PTE_P))
        return VMM_ERR_NOT_MAPPED;
    unsigned d = p.d;
    uint64_t frame = paging_entry_addr_masked(v->g, d, p.e, addr_mask(v));
    uint64_t size = paging_span(v->g, d);
    write_entry(v, d, p.ea[d], va, 0);
    count_add(v, p.table[d], -1);
    invlpg(v, va);
    if (d == pte_depth(v) && v->s.pages > 0)
        v->s.pages--;
    emit_simple(v, EV_PAGE_UNMAP, va & ~(size - 1), frame, size, 0, v->g->lv[d].level);
    /* Give back the tables this emptied, bottom up; never the top level. */
    for (unsigned k = d; k > 0; k--) {
        unsigned c = count_get(v, pa_to_pfn(p.table[k]));
        if ((c & COUNT_PINNED) || (c & COUNT_MASK) != 0)
            break;
        write_entry(v, k - 1, p.ea[k - 1], va, 0);
        count_add(v, p.table[k - 1], -1);
        invlpg(v, va);
        free_table(v, k, p.table[k]);
    }
    if (pa != NULL)
        *pa = frame;
    return VMM_OK;
}

/* The first address after the region of 2^shift bytes holding va, saturated. */
static uint64_t region_end(uint64_t va, unsigned shift)
{
    uint64_t size = UINT64_C(1) << shift;
    uint64_t base = va & ~(size - 1);
    return base > UINT64_MAX - size ? UINT64_MAX : base + size;
}

enum vmm_status vmm_protect(struct vmm *v, uint64_t va, bool writable, bool do_invlpg,
                            uint64_t *end)
{
    if (!va_ok(v, va) || v->s.top == 0) {
        /* 4-level paging: skip the non-canonical hole up to the first
         * canonical address of the upper half; otherwise nothing above. */
        uint64_t upper = paging_va_canon(v->g, UINT64_C(1) << (paging_va_bits(v->g) - 1));
        *end = v->g->canonical && va < upper ? upper : UINT64_MAX;
        return VMM_ERR_RANGE;
    }
    struct path p;
    walk(v, va, pte_depth(v), false, &p);
    *end = region_end(va, v->g->lv[p.d].shift);
    if (!(p.e & X86_PTE_P))
        return VMM_ERR_NOT_MAPPED;
    uint64_t ne = writable ? p.e | X86_PTE_RW : p.e & ~X86_PTE_RW;
    if (ne != p.e) {
        write_entry(v, p.d, p.ea[p.d], va, ne);
        if (do_invlpg)
            invlpg(v, va);
    }
    return VMM_OK;
}

enum vmm_status vmm_alloc_pages(struct vmm *v, uint64_t va, uint64_t npages)
{
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t pfn;
        uint64_t a = va + (i << X86_PAGE_SHIFT);
        enum vmm_status st = VMM_OK;
        if (pfa_alloc(v->p.pfa, ROLE_HEAP, &pfn) != PFA_OK) {
            st = VMM_ERR_NO_FRAME;
        } else {
            emit_simple(v, EV_FRAME_ALLOC, a, pfn_to_pa(pfn), X86_PAGE_SIZE, ROLE_HEAP, 0);
            st = vmm_map(v, a, pfn_to_pa(pfn), VMM_F_RW | VMM_F_NX);
            if (st != VMM_OK) {
                pfa_free(v->p.pfa, pfn);
                emit_simple(v, EV_FRAME_FREE, a, pfn_to_pa(pfn), X86_PAGE_SIZE, 0, 0);
            }
        }
        if (st != VMM_OK) {
            vmm_free_pages(v, va, i);
            return st;
        }
    }
    return VMM_OK;
}

void vmm_free_pages(struct vmm *v, uint64_t va, uint64_t npages)
{
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t a = va + (i << X86_PAGE_SHIFT);
        uint64_t pa;
        if (vmm_unmap(v, a, &pa) != VMM_OK)
            continue;
        if (pfa_free(v->p.pfa, pa_to_pfn(pa)) == PFA_OK)
            emit_simple(v, EV_FRAME_FREE, a, pa, X86_PAGE_SIZE, 0, 0);
    }
}

/* --- boot -------------------------------------------------------------------- */

static enum vmm_status map_identity(struct vmm *v, const struct vmm_range *r)
{
    /* The linear addresses that map to themselves: below 4 GiB, or the
     * lower canonical half in 4-level paging. */
    const struct paging_geom *g = v->g;
    uint64_t limit = UINT64_C(1) << (paging_va_bits(g) - (g->canonical ? 1 : 0));
    uint64_t plimit = UINT64_C(1) << v->p.cpu->maxphyaddr;
    if (v->g->entry_bytes == 4)
        plimit = UINT64_C(1) << 32;
    if (plimit < limit)
        limit = plimit;
    if (r->len == 0)
        return VMM_OK;
    if (r->start >= limit || r->len > limit - r->start)
        return VMM_ERR_RANGE;
    uint64_t a = r->start & ~(X86_PAGE_SIZE - 1);
    uint64_t end = (r->start + r->len + X86_PAGE_SIZE - 1) & ~(X86_PAGE_SIZE - 1);
    /* Large pages at the PDE level where the mode has them (4 MiB, 2 MiB). */
    unsigned large_d = (unsigned)paging_depth(g, LVL_PDE);
    bool large_ok = g->lv[large_d].large;
    uint64_t lsize = paging_span(g, large_d);
    while (a < end) {
        enum vmm_status st;
        if (large_ok && (a & (lsize - 1)) == 0 && end - a >= lsize) {
            st = map_at(v, a, a, VMM_F_RW | VMM_F_NX, large_d);
            if (st == VMM_ERR_MAPPED) {
                /* Something is mapped inside: fall back to 4 KiB pages. */
                for (uint64_t b = a; b < a + lsize; b += X86_PAGE_SIZE) {
                    st = vmm_map(v, b, b, VMM_F_RW | VMM_F_NX);
                    if (st != VMM_OK && st != VMM_ERR_MAPPED)
                        return st;
                }
                st = VMM_OK;
            }
            a += lsize;
        } else {
            st = vmm_map(v, a, a, VMM_F_RW | VMM_F_NX);
            a += X86_PAGE_SIZE;
        }
        if (st != VMM_OK && st != VMM_ERR_MAPPED)
            return st;
    }
    return VMM_OK;
}

enum vmm_status vmm_boot(struct vmm *v, const struct vmm_range *identity, size_t nidentity,
                         uint64_t kernel_pa, uint64_t kernel_len)
{
    v->s.booting = 1;
    enum vmm_status st = alloc_table(v, 0, &v->s.top);
    if (st != VMM_OK)
        goto out;
    if (v->g->pdpte_regs) {
        /* The four PDPTEs are read by the CPU only at CR3 load (SDM 4.4.1):
         * all four directories exist from boot, so no later change to the
         * PDPT is ever needed. */
        for (unsigned i = 0; i < paging_nentries(v->g, 0); i++) {
            uint64_t pd;
            st = alloc_table(v, 1, &pd);
            if (st != VMM_OK)
                goto out;
            write_entry(v, 0, v->s.top + i * v->g->entry_bytes, (uint64_t)i << v->g->lv[0].shift,
                        table_entry(v, 0, pd));
            count_add(v, v->s.top, 1);
        }
    }
    for (size_t i = 0; i < nidentity; i++) {
        st = map_identity(v, &identity[i]);
        if (st != VMM_OK)
            goto out;
    }
    uint64_t kbase = vmm_kernel_base(v);
    for (uint64_t off = 0; off < kernel_len; off += X86_PAGE_SIZE) {
        st = vmm_map(v, kbase + kernel_pa + off, kernel_pa + off, VMM_F_RW | VMM_F_GLOBAL);
        if (st != VMM_OK && st != VMM_ERR_MAPPED)
            goto out;
    }
    v->s.booting = 0;

    struct cpu *c = v->p.cpu;
    struct tlb *t = v->p.tlb;
    const struct phys *ph = v->p.phys;
    const struct event_sink *sk = v->p.sink;
    uint64_t cr4 = 0, efer = 0;
    if (v->mode == PAGING_PSE)
        cr4 = X86_CR4_PSE;
    if (v->mode == PAGING_PAE) {
        cr4 = X86_CR4_PAE;
        efer = X86_EFER_NXE;
    }
    if (v->mode == PAGING_LONG) {
        cr4 = X86_CR4_PAE;
        efer = X86_EFER_LME | X86_EFER_NXE;
    }
    /* Protected mode first, then the paging controls, CR3, and PG last. */
    if (cpu_write_cr0(c, t, ph, sk, X86_CR0_PE | X86_CR0_ET) != CPU_OK)
        return VMM_ERR_CPU;
    if (cr4 != 0 && cpu_write_cr4(c, t, ph, sk, cr4) != CPU_OK)
        return VMM_ERR_CPU;
    if (efer != 0 && cpu_write_efer(c, t, ph, sk, efer) != CPU_OK)
        return VMM_ERR_CPU;
    if (cpu_write_cr3(c, t, ph, sk, v->s.top) != CPU_OK)
        return VMM_ERR_CPU;
    if (cpu_write_cr0(c, t, ph, sk, X86_CR0_PE | X86_CR0_ET | X86_CR0_PG) != CPU_OK)
        return VMM_ERR_CPU;
    return VMM_OK;
out:
    v->s.booting = 0;
    return st;
}

/* --- regions and the large-block bitmap ------------------------------------- */

void vmm_heap_region(const struct vmm *v, uint64_t *base, uint64_t *end)
{
    bool lm = v->mode == PAGING_LONG;
    *base = lm ? VMM_HEAP_BASE_LONG : VMM_HEAP_BASE_32;
    *end = lm ? VMM_HEAP_END_LONG : VMM_HEAP_END_32;
}

void vmm_large_region(const struct vmm *v, uint64_t *base, uint64_t *end)
{
    bool lm = v->mode == PAGING_LONG;
    *base = lm ? VMM_LARGE_BASE_LONG : VMM_LARGE_BASE_32;
    *end = lm ? VMM_LARGE_END_LONG : VMM_LARGE_END_32;
}

uint64_t vmm_kernel_base(const struct vmm *v)
{
    return v->mode == PAGING_LONG ? VMM_KERNEL_BASE_LONG : VMM_KERNEL_BASE_32;
}

static bool bit_get(const struct vmm *v, uint64_t i)
{
    return (v->large->data[i >> 3] >> (i & 7)) & 1;
}

static void bits_set(struct vmm *v, uint64_t first, uint64_t n, bool on)
{
    for (uint64_t i = first; i < first + n; i++) {
        tmem_touch(v->large, i >> 3, 1);
        if (on)
            v->large->data[i >> 3] |= (uint8_t)(1u << (i & 7));
        else
            v->large->data[i >> 3] &= (uint8_t) ~(1u << (i & 7));
    }
}

bool vmm_large_reserve(struct vmm *v, uint64_t npages, uint64_t *va)
{
    if (npages == 0 || npages > v->large_npages)
        return false;
    uint64_t i = v->s.large_hint;
    while (i + npages <= v->large_npages) {
        /* Skip used pages, whole bytes at a time where possible. */
        if ((i & 7) == 0 && v->large->data[i >> 3] == 0xFF) {
            i += 8;
            continue;
        }
        if (bit_get(v, i)) {
            i++;
            continue;
        }
        uint64_t run = 0;
        while (run < npages && !bit_get(v, i + run))
            run++;
        if (run == npages) {
            bits_set(v, i, npages, true);
            if (i == v->s.large_hint)
                v->s.large_hint = i + npages;
            v->s.large_pages += npages;
            uint64_t base, end;
            vmm_large_region(v, &base, &end);
            *va = base + (i << X86_PAGE_SHIFT);
            return true;
        }
        i += run;
    }
    return false;
}

void vmm_large_release(struct vmm *v, uint64_t va, uint64_t npages)
{
    uint64_t base, end;
    vmm_large_region(v, &base, &end);
    if (va < base || va >= end)
        return;
    uint64_t i = (va - base) >> X86_PAGE_SHIFT;
    if (npages > v->large_npages - i)
        npages = v->large_npages - i;
    bits_set(v, i, npages, false);
    v->s.large_pages = v->s.large_pages >= npages ? v->s.large_pages - npages : 0;
    if (i < v->s.large_hint)
        v->s.large_hint = i;
}

bool vmm_large_next(const struct vmm *v, uint64_t va, uint64_t *start, uint64_t *npages)
{
    uint64_t base, end;
    vmm_large_region(v, &base, &end);
    if (va >= end)
        return false;
    uint64_t i = va < base ? 0 : (va - base) >> X86_PAGE_SHIFT;
    const struct tmem *m = v->large;
    uint64_t bits_per_chunk = TMEM_CHUNK_SIZE * 8;
    while (i < v->large_npages) {
        uint64_t c = (i >> 3) >> TMEM_CHUNK_SHIFT;
        if (!((m->written[c >> 6] >> (c & 63)) & 1)) {
            i = (c + 1) * bits_per_chunk; /* never written: all zero */
            continue;
        }
        if ((i & 7) == 0 && m->data[i >> 3] == 0) {
            i += 8;
            continue;
        }
        if (!bit_get(v, i)) {
            i++;
            continue;
        }
        uint64_t n = 0;
        while (i + n < v->large_npages && bit_get(v, i + n))
            n++;
        *start = base + (i << X86_PAGE_SHIFT);
        *npages = n;
        return true;
    }
    return false;
}

bool vmm_large_extend(struct vmm *v, uint64_t va, uint64_t oldn, uint64_t newn)
{
    uint64_t base, end;
    vmm_large_region(v, &base, &end);
    if (va < base || va >= end || newn <= oldn)
        return false;
    uint64_t i = (va - base) >> X86_PAGE_SHIFT;
    if (newn > v->large_npages - i)
        return false;
    for (uint64_t k = i + oldn; k < i + newn; k++) {
        if (bit_get(v, k))
            return false;
    }
    bits_set(v, i + oldn, newn - oldn, true);
    v->s.large_pages += newn - oldn;
    return true;
}

/* --- accessors and step-back --------------------------------------------------- */

uint64_t vmm_top_table(const struct vmm *v)
{
    return v->s.top;
}

enum paging_mode vmm_mode(const struct vmm *v)
{
    return v->mode;
}

struct vmm_stats vmm_stats(const struct vmm *v)
{
    struct vmm_stats st;
    memset(&st, 0, sizeof st);
    st.tables = v->s.tables;
    st.pages = v->s.pages;
    st.large_pages = v->s.large_pages;
    st.tables_allocated = v->s.tables_allocated;
    st.tables_freed = v->s.tables_freed;
    st.invlpg = v->s.invlpg;
    return st;
}

size_t vmm_tmems(struct vmm *v, struct tmem **out, size_t max)
{
    size_t n = 0;
    if (n < max)
        out[n] = v->counts;
    n++;
    if (n < max)
        out[n] = v->large;
    n++;
    return n;
}

size_t vmm_scalars_size(void)
{
    return sizeof(struct vmm_scalars);
}

void vmm_scalars_save(const struct vmm *v, void *dst)
{
    memcpy(dst, &v->s, sizeof v->s);
}

void vmm_scalars_load(struct vmm *v, const void *src)
{
    memcpy(&v->s, src, sizeof v->s);
}

static uint64_t fold(uint64_t h, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        h ^= (x >> (8 * i)) & 0xFF;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t vmm_hash(const struct vmm *v, uint64_t h)
{
    h = tmem_hash(v->counts, h);
    h = tmem_hash(v->large, h);
    const uint64_t f[] = {v->s.top,          v->s.large_hint,  v->s.tables,
                          v->s.pages,        v->s.large_pages, v->s.tables_allocated,
                          v->s.tables_freed, v->s.invlpg,      v->s.booting};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        h = fold(h, f[i]);
    return h;
}
