/*
 * paging.c - the flag table of x86 paging entries (see paging.h).
 *
 * One row per meaning a flag bit can have (SDM Vol. 3A tables 4-4..4-6,
 * 4-8..4-11, 4-14..4-20); paging_flag_at() picks the row a bit has at one
 * depth of one mode, so the views, the quiz and the translate output cannot
 * disagree about bit 7. paging_scan() is the one read-only walk over a
 * whole hierarchy (the frames view's reverse lookup uses it).
 */
#include "paging.h"

#include <stddef.h>

#include "phys.h"

static const struct paging_flag flags[PFLAG_COUNT] = {
    [PFLAG_P] = {X86_PTE_P, 'P', "P", "P", NULL, "present"},
    [PFLAG_RW] = {X86_PTE_RW, 'W', "RW", "RW", "RO", "read/write (0: read-only)"},
    [PFLAG_US] = {X86_PTE_US, 'U', "US", "U", "S", "user/supervisor (0: supervisor only)"},
    [PFLAG_PWT] = {X86_PTE_PWT, 'T', "PWT", "PWT", NULL, "page-level write-through"},
    [PFLAG_PCD] = {X86_PTE_PCD, 'C', "PCD", "PCD", NULL, "page-level cache disable"},
    [PFLAG_A] = {X86_PTE_A, 'A', "A", "A", NULL, "accessed"},
    [PFLAG_D] = {X86_PTE_D, 'D', "D", "D", NULL, "dirty"},
    [PFLAG_PS] = {X86_PDE_PS, 'S', "PS", "PS", NULL, "page size: the entry maps a large page"},
    [PFLAG_PAT] = {X86_PTE_PAT, 'p', "PAT", "PAT", NULL,
                   "page attribute table index (a PTE's bit 7)"},
    [PFLAG_G] = {X86_PTE_G, 'G', "G", "G", NULL, "global (kept in the TLB across CR3 loads)"},
    [PFLAG_XD] = {X86_PTE_XD, 'X', "XD", "XD", NULL, "execute-disable (with EFER.NXE)"},
    [PFLAG_RSVD] = {0, 'R', "reserved", NULL, NULL, "reserved: must be 0 (else #PF with RSVD)"},
};

const struct paging_flag *paging_flag(enum paging_flag_id id)
{
    return (unsigned)id < PFLAG_COUNT ? &flags[id] : &flags[PFLAG_RSVD];
}

unsigned paging_flag_column_bit(unsigned column)
{
    static const uint8_t bits[PAGING_FLAG_COLUMNS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 63};
    return column < PAGING_FLAG_COLUMNS ? bits[column] : 63;
}

const struct paging_flag *paging_flag_at(const struct paging_geom *g, unsigned d, unsigned bit)
{
    bool leaf_level = d + 1u >= g->nlevels;
    bool pdpte_reg = g->pdpte_regs && d == 0;
    switch (bit) {
    case X86_PTE_P_BIT:
        return &flags[PFLAG_P];
    case X86_PTE_PWT_BIT:
        return &flags[PFLAG_PWT];
    case X86_PTE_PCD_BIT:
        return &flags[PFLAG_PCD];
    case X86_PTE_RW_BIT:
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_RW];
    case X86_PTE_US_BIT:
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_US];
    case X86_PTE_A_BIT:
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_A];
    case X86_PTE_D_BIT:
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_D];
    case X86_PTE_G_BIT:
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_G];
    case X86_PDE_PS_BIT: /* PS, PAT, ignored or reserved */
        if (leaf_level)
            return &flags[PFLAG_PAT];
        if (g->lv[d].large)
            return &flags[PFLAG_PS];
        if (pdpte_reg || paging_ps_reserved(g, d))
            return &flags[PFLAG_RSVD];
        return NULL; /* a 32-bit PDE without CR4.PSE: ignored (SDM table 4-6) */
    case X86_PTE_XD_BIT:
        if (g->entry_bytes == 4)
            return NULL;
        return &flags[pdpte_reg ? PFLAG_RSVD : PFLAG_XD];
    default:
        return NULL;
    }
}

/* --- read-only scan ------------------------------------------------------------ */

struct scan {
    const struct phys *p;
    const struct paging_geom *g;
    uint64_t addr_mask;
    uint64_t budget;
    bool cut;
    paging_visit_fn fn;
    void *ctx;
};

static void scan_table(struct scan *s, unsigned d, uint64_t table, uint64_t base)
{
    const struct paging_geom *g = s->g;
    unsigned n = paging_nentries(g, d);
    for (unsigned i = 0; i < n; i++) {
        if (s->budget == 0) {
            s->cut = true;
            return;
        }
        s->budget--;
        uint64_t ea = table + (uint64_t)i * g->entry_bytes;
        uint64_t e = g->entry_bytes == 4 ? phys_load32(s->p, ea) : phys_load64(s->p, ea);
        if (!(e & X86_PTE_P))
            continue;
        struct paging_visit v;
        v.depth = d;
        v.index = i;
        v.va = paging_va_canon(g, base + i * paging_span(g, d));
        v.entry = e;
        v.addr = paging_entry_addr_masked(g, d, e, s->addr_mask);
        v.leaf = paging_is_leaf(g, d, e);
        s->fn(s->ctx, &v);
        if (!v.leaf)
            scan_table(s, d + 1, v.addr, v.va);
    }
}

bool paging_scan(const struct phys *p, const struct paging_geom *g, uint64_t root,
                 unsigned maxphyaddr, uint64_t budget, paging_visit_fn fn, void *ctx)
{
    struct scan s = {p, g, paging_addr_mask(g, maxphyaddr), budget, false, fn, ctx};
    scan_table(&s, 0, root, 0);
    return !s.cut;
}
