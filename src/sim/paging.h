/*
 * paging.h - the one description of x86 paging: what each mode's tables look
 * like, what an entry holds, what its flag bits mean (SDM Vol. 3A chapter 4).
 *
 * Everything that walks, builds, shows or explains paging structures asks
 * here: the MMU's walk (mmu.c), the VMM's walker (vmm.c), the views
 * (ui/fmt.c, ui/pagemap.c), the quiz (replay/quiz.c), --log
 * (replay/eventfmt.c) and the translate output (cli). No other file knows a
 * per-mode shift, level count or entry size.
 *
 * One row per mode (paging_geom), its levels from the top:
 *
 *   mode  depth 0           depth 1          depth 2          depth 3   entry  large pages at
 *   32    PDE 31:22 (10)    PTE 21:12 (10)                              4      -
 *   pse   PDE 31:22 (10)    PTE 21:12 (10)                              4      PDE (4 MiB)
 *   pae   PDPTE 31:30 (2)   PDE 29:21 (9)    PTE 20:12 (9)              8      PDE (2 MiB)
 *   long  PML4E 47:39 (9)   PDPTE 38:30 (9)  PDE 29:21 (9)    PTE 20:12 8      PDPTE (1 GiB), PDE
 *
 * A further mode (5-level paging) is one more row and its tests.
 *
 * Entry decode: an entry is held as uint64_t (a 32-bit one zero-extended).
 * It maps a page (a leaf) at the last depth, or where the row allows large
 * pages and PS (bit 7) is set; otherwise it points at the next table. Its
 * address is bits 31:12 of a 32-bit entry, bits M-1:12 of a 64-bit one
 * (M = MAXPHYADDR), a large page's base without the bits below its size
 * (PAT, bit 12, among them), and for a 4 MiB PDE the PSE-36 split (PA 31:22
 * from bits 31:22, PA 39:32 from bits 20:13; SDM table 4-4).
 *
 * Flags: one table (paging_flag) gives each flag's mask, the letter the
 * views show, its name and its meaning; paging_flag_at() says what a bit
 * means at a given depth of a mode, which is where bit 7 differs: PAT in a
 * PTE, PS where large pages are allowed, ignored in a 32-bit PDE without
 * CR4.PSE (SDM table 4-6), reserved in a PML4E and a PAE PDPTE.
 *
 * Pure: no state, no I/O. The walk helpers are inline because the MMU's walk
 * is specialised per mode and must fold them to constants.
 */
#ifndef PAGESIM_SIM_PAGING_H
#define PAGESIM_SIM_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/paging_mode.h"
#include "x86.h"

/* Level of a paging-structure entry, named by the SDM's entry kinds; the
 * value is also the order from the top in 4-level paging. */
enum walk_level {
    LVL_PML4E,
    LVL_PDPTE,
    LVL_PDE,
    LVL_PTE,
};

#define PAGING_MAX_LEVELS 4

/* One depth of a mode's walk. */
struct paging_level {
    uint8_t level; /* enum walk_level of the entries at this depth */
    uint8_t shift; /* lowest linear-address bit of the index: an entry spans 2^shift bytes */
    uint8_t bits;  /* index width: the table holds 2^bits entries */
    bool large;    /* an entry here with PS=1 maps a page of 2^shift bytes */
};

/* The shape of one paging mode. */
struct paging_geom {
    enum paging_mode mode;
    const char *name;    /* "32-bit", "PSE", "PAE", "4-level" */
    uint8_t nlevels;     /* depths 0..nlevels-1, top first; the last holds PTEs */
    uint8_t entry_bytes; /* 4 (32-bit entries) or 8 */
    bool pdpte_regs;     /* depth 0 is PAE's four PDPTE registers (SDM 4.4.1) */
    bool canonical;      /* linear addresses sign-extend their top bit (IA-32e) */
    struct paging_level lv[PAGING_MAX_LEVELS];
};

/* The row of mode m; NULL for PAGING_OFF or a value out of range. */
static inline const struct paging_geom *paging_geom(enum paging_mode m)
{
    static const struct paging_geom geoms[] = {
        [PAGING_32] = {PAGING_32,
                       "32-bit",
                       2,
                       4,
                       false,
                       false,
                       {{LVL_PDE, X86_PDE32_SHIFT, X86_INDEX_BITS_32, false},
                        {LVL_PTE, X86_PTE32_SHIFT, X86_INDEX_BITS_32, false}}},
        [PAGING_PSE] = {PAGING_PSE,
                        "PSE",
                        2,
                        4,
                        false,
                        false,
                        {{LVL_PDE, X86_PDE32_SHIFT, X86_INDEX_BITS_32, true},
                         {LVL_PTE, X86_PTE32_SHIFT, X86_INDEX_BITS_32, false}}},
        [PAGING_PAE] = {PAGING_PAE,
                        "PAE",
                        3,
                        8,
                        true,
                        false,
                        {{LVL_PDPTE, X86_PDPTE_PAE_SHIFT, 2, false},
                         {LVL_PDE, X86_PD_SHIFT, X86_INDEX_BITS_64, true},
                         {LVL_PTE, X86_PT_SHIFT, X86_INDEX_BITS_64, false}}},
        [PAGING_LONG] = {PAGING_LONG,
                         "4-level",
                         4,
                         8,
                         false,
                         true,
                         {{LVL_PML4E, X86_PML4_SHIFT, X86_INDEX_BITS_64, false},
                          {LVL_PDPTE, X86_PDPT_SHIFT, X86_INDEX_BITS_64, true},
                          {LVL_PDE, X86_PD_SHIFT, X86_INDEX_BITS_64, true},
                          {LVL_PTE, X86_PT_SHIFT, X86_INDEX_BITS_64, false}}},
    };
    return paging_mode_configurable(m) ? &geoms[m] : NULL;
}

/* The linear-address width the mode translates: 32, or 48 in 4-level paging
 * (the top index's last bit plus one). */
static inline unsigned paging_va_bits(const struct paging_geom *g)
{
    return (unsigned)g->lv[0].shift + g->lv[0].bits;
}

/* Entries in a table at depth d (4 for the PAE PDPT). */
static inline unsigned paging_nentries(const struct paging_geom *g, unsigned d)
{
    return 1u << g->lv[d].bits;
}

/* Bytes of linear space one entry at depth d covers. */
static inline uint64_t paging_span(const struct paging_geom *g, unsigned d)
{
    return UINT64_C(1) << g->lv[d].shift;
}

/* The index of va's entry in the table at depth d. */
static inline unsigned paging_index(const struct paging_geom *g, unsigned d, uint64_t va)
{
    return (unsigned)(va >> g->lv[d].shift) & ((1u << g->lv[d].bits) - 1);
}

/* The depth of entries of level lvl in g, or -1 when the mode has none. */
static inline int paging_depth(const struct paging_geom *g, enum walk_level lvl)
{
    for (unsigned d = 0; d < g->nlevels; d++) {
        if (g->lv[d].level == lvl)
            return (int)d;
    }
    return -1;
}

/* A linear address cut to the mode's width: sign-extended from bit 47 in
 * 4-level paging, the low 32 bits otherwise. */
static inline uint64_t paging_va_canon(const struct paging_geom *g, uint64_t va)
{
    unsigned top = paging_va_bits(g);
    uint64_t low = va & ((UINT64_C(1) << top) - 1);
    if (g->canonical && (low >> (top - 1)) != 0)
        low |= ~((UINT64_C(1) << top) - 1);
    return low;
}

/* True when va is an address g translates: canonical (bits 63:va_bits-1
 * equal) where g sign-extends, any va otherwise (the CPU cuts it). One test:
 * bits 63:top-1 are equal iff adding 2^(top-1) leaves nothing at or above
 * bit top. With g a constant row (paging_geom(PAGING_LONG)) it folds to an
 * add and a shift: the MMU's hit path asks it. */
static inline bool paging_va_ok(const struct paging_geom *g, uint64_t va)
{
    unsigned top = paging_va_bits(g);
    return !g->canonical || ((va + (UINT64_C(1) << (top - 1))) >> top) == 0;
}

/* The linear address mode m translates for va, which paging_va_ok() allows:
 * va itself where the mode sign-extends, else its low va_bits. Each mode's
 * row is read as a constant, so the three 32-bit-wide modes fold to one
 * mask (the MMU's hit path). */
static inline uint64_t paging_mode_va_cut(enum paging_mode m, uint64_t va)
{
    switch (m) {
    case PAGING_32:
        return paging_va_canon(paging_geom(PAGING_32), va);
    case PAGING_PSE:
        return paging_va_canon(paging_geom(PAGING_PSE), va);
    case PAGING_PAE:
        return paging_va_canon(paging_geom(PAGING_PAE), va);
    case PAGING_LONG:
    case PAGING_OFF:
        break;
    }
    return va;
}

/* True when entry e (present) at depth d maps a page rather than a table. */
static inline bool paging_is_leaf(const struct paging_geom *g, unsigned d, uint64_t e)
{
    return d + 1u >= g->nlevels || (g->lv[d].large && (e & X86_PDE_PS) != 0);
}

/* The mask of an entry's table or 4 KiB page address: bits 31:12 of a 32-bit
 * entry, M-1:12 of a 64-bit one. */
static inline uint64_t paging_addr_mask(const struct paging_geom *g, unsigned maxphyaddr)
{
    return g->entry_bytes == 4 ? X86_PTE32_ADDR : x86_addr_mask(maxphyaddr);
}

/* The top-level table CR3 names (SDM tables 4-3, 4-7, 4-12): bits 31:12
 * (32-bit), the 32-byte aligned PDPT at bits 31:5 (PAE), bits M-1:12. */
static inline uint64_t paging_root(const struct paging_geom *g, uint64_t cr3, unsigned maxphyaddr)
{
    if (g->pdpte_regs)
        return cr3 & X86_CR3_ADDR_PAE;
    return cr3 & (g->entry_bytes == 4 ? X86_CR3_ADDR_32 : x86_addr_mask(maxphyaddr));
}

/* PSE-36 (SDM table 4-4): a 4 MiB PDE's PA 31:22 in bits 31:22 and PA 39:32
 * in bits 20:13. */
static inline uint64_t paging_pse36_addr(uint64_t e)
{
    return (e & X86_PDE32_4M_ADDR_LO) | (e & X86_PDE32_4M_ADDR_HI)
                                            << (32 - X86_PDE32_4M_ADDR_HI_SHIFT);
}

/* The entry bits that hold pa (4 MiB aligned) in a 4 MiB PDE. */
static inline uint64_t paging_pse36_bits(uint64_t pa)
{
    return (pa & X86_PDE32_4M_ADDR_LO) |
           (((pa >> 32) << X86_PDE32_4M_ADDR_HI_SHIFT) & X86_PDE32_4M_ADDR_HI);
}

/* The physical address entry e at depth d holds: the next table's base, or
 * the base of the page it maps (leaf). addr_mask is paging_addr_mask(). */
static inline uint64_t paging_entry_addr_masked(const struct paging_geom *g, unsigned d, uint64_t e,
                                                uint64_t addr_mask)
{
    if (d + 1u >= g->nlevels || !paging_is_leaf(g, d, e))
        return e & addr_mask;
    if (g->entry_bytes == 4)
        return paging_pse36_addr(e);
    return e & addr_mask & ~(paging_span(g, d) - 1);
}

static inline uint64_t paging_entry_addr(const struct paging_geom *g, unsigned d, uint64_t e,
                                         unsigned maxphyaddr)
{
    return paging_entry_addr_masked(g, d, e, paging_addr_mask(g, maxphyaddr));
}

/* The address bits of a leaf at depth d mapping the page at pa (aligned to
 * the page's size): the inverse of paging_entry_addr(), PS not included. */
static inline uint64_t paging_leaf_addr_bits(const struct paging_geom *g, unsigned d, uint64_t pa,
                                             unsigned maxphyaddr)
{
    if (d + 1u < g->nlevels && g->entry_bytes == 4)
        return paging_pse36_bits(pa);
    return pa & paging_addr_mask(g, maxphyaddr) & ~(paging_span(g, d) - 1);
}

/* Reserved bits of a large-page entry at depth d (SDM tables 4-4, 4-9,
 * 4-17, 4-18) besides the ones every entry has: in a 4 MiB PDE, bit 21 and
 * the PSE-36 bits naming PA bits at or above M; in a 64-bit one the address
 * bits below the page size except PAT (bit 12). */
static inline uint64_t paging_large_rsvd(const struct paging_geom *g, unsigned d,
                                         unsigned maxphyaddr)
{
    if (g->entry_bytes == 4) {
        if (maxphyaddr >= 40)
            return X86_PDE32_4M_RSVD;
        /* PA bit k (32..39) sits in entry bit k - 19. */
        uint64_t pa_bits_ok = (UINT64_C(1) << (maxphyaddr - 32)) - 1;
        return X86_PDE32_4M_RSVD |
               (X86_PDE32_4M_ADDR_HI & ~(pa_bits_ok << X86_PDE32_4M_ADDR_HI_SHIFT));
    }
    return (paging_span(g, d) - 1) & ~((X86_PDE_PAT_LARGE << 1) - 1);
}

/* True when bit 7 of an entry at depth d is reserved: a 64-bit entry above
 * the PTEs that may not map a page (a PML4E; the PAE PDPTEs, registers,
 * are checked apart). In a 32-bit PDE without PSE it is ignored instead. */
static inline bool paging_ps_reserved(const struct paging_geom *g, unsigned d)
{
    return g->entry_bytes == 8 && d + 1u < g->nlevels && !g->lv[d].large;
}

/* --- flags ------------------------------------------------------------------ */

enum paging_flag_id {
    PFLAG_P,
    PFLAG_RW,
    PFLAG_US,
    PFLAG_PWT,
    PFLAG_PCD,
    PFLAG_A,
    PFLAG_D,
    PFLAG_PS,
    PFLAG_PAT,
    PFLAG_G,
    PFLAG_XD,
    PFLAG_RSVD, /* a bit reserved at this level: must be 0 */
    PFLAG_COUNT
};

struct paging_flag {
    uint64_t mask;       /* the bit in an entry (0 for PFLAG_RSVD: any) */
    char letter;         /* in the views' flag column ('-' when clear) */
    const char *name;    /* the SDM's short name: "P", "RW", "US", ... */
    const char *on;      /* the quiz's word when set */
    const char *off;     /* its word when clear, NULL: nothing */
    const char *meaning; /* one line, for explanations */
};

/* The row of flag id; the PFLAG_RSVD row for an id out of range. */
const struct paging_flag *paging_flag(enum paging_flag_id id);

/* The entry bits views show as flags, in column order: 0..8 and 63. */
#define PAGING_FLAG_COLUMNS 10
unsigned paging_flag_column_bit(unsigned column);

/* What bit `bit` of an entry at depth d of g means: a flag's row, the
 * PFLAG_RSVD row where it is reserved, or NULL where it is ignored or no flag
 * (an address bit, bit 63 of a 32-bit entry). Bit 7: PAT in a PTE, PS where
 * g allows large pages, ignored in a 32-bit PDE without CR4.PSE, reserved in
 * a PML4E. A PAE PDPTE has only P, PWT and PCD: bits 1, 2, 5-8 and 63 are
 * reserved there. */
const struct paging_flag *paging_flag_at(const struct paging_geom *g, unsigned d, unsigned bit);

/* --- read-only scan ------------------------------------------------------------ */

struct phys;

/* One present entry paging_scan() met. */
struct paging_visit {
    unsigned depth; /* in the mode's row: 0 is the top level */
    unsigned index; /* in its table */
    uint64_t va;    /* the first linear address it covers (canonical) */
    uint64_t entry; /* its value */
    uint64_t addr;  /* paging_entry_addr(): the next table, or the page's base */
    bool leaf;      /* it maps a page */
};

typedef void (*paging_visit_fn)(void *ctx, const struct paging_visit *v);

/* Reads the structures of mode g from the top-level table at root (physical
 * address) depth first, each table in index order (so in linear-address
 * order), through phys_load32/64, and calls fn for every present entry
 * before descending into the table it points at. Changes nothing (an entry
 * outside RAM reads as all ones; no walk goes deeper than the row's levels).
 * Stops after reading budget entries, present or not: returns false then,
 * true when it read them all. */
bool paging_scan(const struct phys *p, const struct paging_geom *g, uint64_t root,
                 unsigned maxphyaddr, uint64_t budget, paging_visit_fn fn, void *ctx);

#endif
