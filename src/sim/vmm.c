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

struct geom {
    unsigned nlevels;
    uint8_t level[4]; /* enum walk_level of the entries at each depth */
    uint8_t shift[4]; /* linear-address shift of each depth's index */
    uint8_t bits[4];  /* index width */
    unsigned esz;     /* entry size in bytes */
};

static const struct geom GEOM_32 = {2, {LVL_PDE, LVL_PTE}, {22, 12}, {10, 10}, 4};
static const struct geom GEOM_PAE = {3, {LVL_PDPTE, LVL_PDE, LVL_PTE}, {30, 21, 12}, {2, 9, 9}, 8};
static const struct geom GEOM_LONG = {
    4, {LVL_PML4E, LVL_PDPTE, LVL_PDE, LVL_PTE}, {39, 30, 21, 12}, {9, 9, 9, 9}, 8};

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
    const struct geom *g;
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

static void emit_simple(const struct vmm *v, enum event_kind k, uint64_t va, uint64_t pa,
                        uint64_t size, uint64_t extra, uint8_t level)
{
    if (!event_listening(v->p.sink))
        return;
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = k;
    ev.va = va;
    ev.pa = pa;
    ev.size = size;
    ev.extra = extra;
    ev.level = level;
    emit(v, &ev);
}

struct vmm *vmm_create(const struct vmm_parts *parts, enum paging_mode mode, uint64_t nframes)
{
    if (parts == NULL || nframes == 0)
        return NULL;
    struct vmm *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->p = *parts;
    v->mode = mode;
    v->g = mode == PAGING_LONG ? &GEOM_LONG : mode == PAGING_PAE ? &GEOM_PAE : &GEOM_32;
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
    if (v->g->esz == 4)
        return X86_PTE32_ADDR;
    return x86_addr_mask(v->p.cpu->maxphyaddr);
}

static bool nx_on(const struct vmm *v)
{
    return v->mode == PAGING_PAE || v->mode == PAGING_LONG;
}

static uint64_t load_entry(const struct vmm *v, uint64_t ea)
{
    if (v->g->esz == 4)
        return phys_load32(v->p.phys, ea);
    return phys_load64(v->p.phys, ea);
}

static void store_entry(struct vmm *v, uint64_t ea, uint64_t e)
{
    if (v->g->esz == 4)
        phys_store32(v->p.phys, ea, (uint32_t)e);
    else
        phys_store64(v->p.phys, ea, e);
}

/* The first linear address the entry at depth d for va covers. */
static uint64_t entry_va(const struct vmm *v, uint64_t va, unsigned d)
{
    return va & ~((UINT64_C(1) << v->g->shift[d]) - 1);
}

static void write_entry(struct vmm *v, unsigned d, uint64_t ea, uint64_t va, uint64_t e)
{
    uint64_t old = load_entry(v, ea);
    store_entry(v, ea, e);
    if (event_listening(v->p.sink)) {
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = EV_ENTRY_WRITE;
        ev.level = v->g->level[d];
        ev.pa = ea;
        ev.va = entry_va(v, va, d);
        ev.old = old;
        ev.new = e;
        emit(v, &ev);
    }
}

static void invlpg(struct vmm *v, uint64_t va)
{
    if (v->p.tlb != NULL)
        tlb_invlpg(v->p.tlb, va);
    v->s.invlpg++;
}

/* True when entry e at depth d maps a page rather than a table. */
static bool is_leaf(const struct vmm *v, unsigned d, uint64_t e)
{
    if (d == v->g->nlevels - 1)
        return true;
    uint8_t lvl = v->g->level[d];
    if (lvl == LVL_PDE)
        return (e & X86_PDE_PS) != 0;
    if (lvl == LVL_PDPTE && v->mode == PAGING_LONG)
        return (e & X86_PDE_PS) != 0;
    return false;
}

/* The frame a leaf at depth d maps. */
static uint64_t leaf_frame(const struct vmm *v, unsigned d, uint64_t e)
{
    uint64_t size = UINT64_C(1) << v->g->shift[d];
    if (v->g->esz == 4 && d == 0) {
        return (e & X86_PDE32_4M_ADDR_LO) |
               ((e & X86_PDE32_4M_ADDR_HI) >> X86_PDE32_4M_ADDR_HI_SHIFT) << 32;
    }
    return e & addr_mask(v) & ~(size - 1);
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
    if (d == v->g->nlevels - 1)
        return e | (pa & addr_mask(v));
    e |= X86_PDE_PS;
    if (v->g->esz == 4) {
        return e | (pa & X86_PDE32_4M_ADDR_LO) |
               (((pa >> 32) << X86_PDE32_4M_ADDR_HI_SHIFT) & X86_PDE32_4M_ADDR_HI);
    }
    return e | (pa & addr_mask(v) & ~((UINT64_C(1) << v->g->shift[d]) - 1));
}

static uint64_t table_entry(const struct vmm *v, unsigned d, uint64_t pa)
{
    if (v->mode == PAGING_PAE && d == 0)
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
    uint8_t lvl = v->g->level[d];
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
    emit_simple(v, EV_TABLE_FREE, 0, pa, X86_PAGE_SIZE, 0, v->g->level[d]);
    pfa_free(v->p.pfa, pfn);
    emit_simple(v, EV_FRAME_FREE, 0, pa, X86_PAGE_SIZE, 0, 0);
    if (v->s.tables > 0)
        v->s.tables--;
    v->s.tables_freed++;
}

static bool va_ok(const struct vmm *v, uint64_t va)
{
    if (v->mode == PAGING_LONG)
        return mmu_canonical48(va);
    return va <= UINT64_C(0xFFFFFFFF);
}

/* Maps va -> pa with a leaf at depth leaf_d (the last depth: 4 KiB). */
static enum vmm_status map_at(struct vmm *v, uint64_t va, uint64_t pa, unsigned flags,
                              unsigned leaf_d)
{
    if (!va_ok(v, va) || v->s.top == 0)
        return VMM_ERR_RANGE;
    const struct geom *g = v->g;
    uint64_t table = v->s.top;
    /* Tables this call allocated, to give back if a deeper one cannot be. */
    uint64_t made[4], made_parent[4], made_ea[4];
    unsigned made_d[4], nmade = 0;
    for (unsigned d = 0; d < g->nlevels; d++) {
        uint64_t idx = (va >> g->shift[d]) & ((UINT64_C(1) << g->bits[d]) - 1);
        uint64_t ea = table + idx * g->esz;
        uint64_t e = load_entry(v, ea);
        if (d == leaf_d) {
            if (e & X86_PTE_P)
                return VMM_ERR_MAPPED;
            uint64_t ne = leaf_entry(v, d, pa, flags);
            write_entry(v, d, ea, va, ne);
            count_add(v, table, 1);
            if (leaf_d == g->nlevels - 1 && !v->s.booting)
                v->s.pages++;
            if (event_listening(v->p.sink)) {
                struct event ev;
                memset(&ev, 0, sizeof ev);
                ev.kind = EV_PAGE_MAP;
                ev.level = g->level[d];
                ev.va = va;
                ev.pa = pa;
                ev.size = UINT64_C(1) << g->shift[d];
                ev.new = ne;
                emit(v, &ev);
            }
            return VMM_OK;
        }
        if (!(e & X86_PTE_P)) {
            uint64_t child;
            enum vmm_status st = alloc_table(v, d + 1, &child);
            if (st != VMM_OK) {
                while (nmade > 0) {
                    nmade--;
                    write_entry(v, made_d[nmade], made_ea[nmade], va, 0);
                    count_add(v, made_parent[nmade], -1);
                    free_table(v, made_d[nmade] + 1, made[nmade]);
                }
                return st;
            }
            write_entry(v, d, ea, va, table_entry(v, d, child));
            count_add(v, table, 1);
            made[nmade] = child;
            made_parent[nmade] = table;
            made_ea[nmade] = ea;
            made_d[nmade] = d;
            nmade++;
            table = child;
        } else if (is_leaf(v, d, e)) {
            return VMM_ERR_MAPPED;
        } else {
            table = e & addr_mask(v);
        }
    }
    return VMM_ERR_RANGE;
}

enum vmm_status vmm_map(struct vmm *v, uint64_t va, uint64_t pa, unsigned flags)
{
    return map_at(v, va, pa, flags, v->g->nlevels - 1);
}

enum vmm_status vmm_unmap(struct vmm *v, uint64_t va, uint64_t *pa)
{
    if (!va_ok(v, va) || v->s.top == 0)
        return VMM_ERR_NOT_MAPPED;
    const struct geom *g = v->g;
    uint64_t tables[4], eas[4];
    uint64_t table = v->s.top;
    unsigned d;
    uint64_t e = 0;
    for (d = 0; d < g->nlevels; d++) {
        uint64_t idx = (va >> g->shift[d]) & ((UINT64_C(1) << g->bits[d]) - 1);
        tables[d] = table;
        eas[d] = table + idx * g->esz;
        e = load_entry(v, eas[d]);
        if (!(e & X86_PTE_P))
            return VMM_ERR_NOT_MAPPED;
        if (is_leaf(v, d, e))
            break;
        table = e & addr_mask(v);
    }
    if (d == g->nlevels)
        return VMM_ERR_NOT_MAPPED;
    uint64_t frame = leaf_frame(v, d, e);
    uint64_t size = UINT64_C(1) << g->shift[d];
    write_entry(v, d, eas[d], va, 0);
    count_add(v, tables[d], -1);
    invlpg(v, va);
    if (d == g->nlevels - 1 && v->s.pages > 0)
        v->s.pages--;
    emit_simple(v, EV_PAGE_UNMAP, va & ~(size - 1), frame, size, 0, g->level[d]);
    /* Give back the tables this emptied, bottom up; never the top level. */
    for (unsigned k = d; k > 0; k--) {
        unsigned c = count_get(v, pa_to_pfn(tables[k]));
        if ((c & COUNT_PINNED) || (c & COUNT_MASK) != 0)
            break;
        write_entry(v, k - 1, eas[k - 1], va, 0);
        count_add(v, tables[k - 1], -1);
        invlpg(v, va);
        free_table(v, k, tables[k]);
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
        /* Long mode: skip the non-canonical hole; otherwise nothing above 4 GiB. */
        if (v->mode == PAGING_LONG && va < UINT64_C(0xFFFF800000000000))
            *end = UINT64_C(0xFFFF800000000000);
        else
            *end = UINT64_MAX;
        return VMM_ERR_RANGE;
    }
    const struct geom *g = v->g;
    uint64_t table = v->s.top;
    for (unsigned d = 0; d < g->nlevels; d++) {
        uint64_t idx = (va >> g->shift[d]) & ((UINT64_C(1) << g->bits[d]) - 1);
        uint64_t ea = table + idx * g->esz;
        uint64_t e = load_entry(v, ea);
        *end = region_end(va, g->shift[d]);
        if (!(e & X86_PTE_P))
            return VMM_ERR_NOT_MAPPED;
        if (!is_leaf(v, d, e)) {
            table = e & addr_mask(v);
            continue;
        }
        uint64_t ne = writable ? e | X86_PTE_RW : e & ~X86_PTE_RW;
        if (ne != e) {
            write_entry(v, d, ea, va, ne);
            if (do_invlpg)
                invlpg(v, va);
        }
        return VMM_OK;
    }
    return VMM_ERR_NOT_MAPPED;
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
    uint64_t limit = v->mode == PAGING_LONG ? UINT64_C(1) << 47 : UINT64_C(1) << 32;
    uint64_t plimit = UINT64_C(1) << v->p.cpu->maxphyaddr;
    if (v->g->esz == 4)
        plimit = UINT64_C(1) << 32;
    if (plimit < limit)
        limit = plimit;
    if (r->len == 0)
        return VMM_OK;
    if (r->start >= limit || r->len > limit - r->start)
        return VMM_ERR_RANGE;
    uint64_t a = r->start & ~(X86_PAGE_SIZE - 1);
    uint64_t end = (r->start + r->len + X86_PAGE_SIZE - 1) & ~(X86_PAGE_SIZE - 1);
    unsigned large_d = v->g->nlevels - 2; /* the PDE level */
    bool large_ok = v->mode != PAGING_32;
    uint64_t lsize = UINT64_C(1) << v->g->shift[large_d];
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
    if (v->mode == PAGING_PAE) {
        /* The four PDPTEs are read by the CPU only at CR3 load (SDM 4.4.1):
         * all four directories exist from boot, so no later change to the
         * PDPT is ever needed. */
        for (unsigned i = 0; i < X86_PAE_PDPTE_COUNT; i++) {
            uint64_t pd;
            st = alloc_table(v, 1, &pd);
            if (st != VMM_OK)
                goto out;
            write_entry(v, 0, v->s.top + i * 8, (uint64_t)i << 30, table_entry(v, 0, pd));
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
