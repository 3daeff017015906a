/*
 * mmu.h - linear-address translation as the x86 MMU does it.
 *
 * The four modes of SDM Vol. 3A chapter 4 (table 4-1): 32-bit paging with
 * 4 KiB pages and, with CR4.PSE, 4 MiB pages (PSE-36: PA bits 39:32 in PDE
 * bits 20:13); PAE paging (PDPTE registers -> PD -> PT, 2 MiB and 4 KiB
 * pages); 4-level paging (PML4 -> PDPT -> PD -> PT, 1 GiB, 2 MiB and 4 KiB
 * pages, 48-bit canonical addresses, #GP otherwise). With paging off the
 * linear address is the physical address.
 *
 * Rights (SDM 4.6): a write needs R/W=1 at every level for user accesses and,
 * with CR0.WP=1, for supervisor accesses too; a user access needs U/S=1 at
 * every level; an instruction fetch faults when XD=1 at some level and
 * EFER.NXE=1. Reserved bits (SDM 4.3-4.5 tables, MAXPHYADDR from the cpu):
 * bits 62:M, the low address bits of large pages, PS in a PML4E, XD while
 * EFER.NXE=0, bit 21 of a 4 MiB PDE -> #PF with P and RSVD set.
 *
 * Accessed is set on each entry the walk uses (once it is known present and
 * free of reserved bits), Dirty on the leaf for a write that is allowed; both
 * are written back into the tables in simulated RAM (SDM 4.8). A #PF sets CR2
 * and invalidates the TLB entries for the faulting address (SDM 4.10.4.1).
 *
 * A translation first asks the TLB (its entry is trusted: a stale entry
 * serves stale data, as on hardware); a write through an entry whose cached
 * D is clear, or an access the entry forbids, walks again. A miss walks and
 * fills. A probe (request.probe) is the same walk with no side effect at
 * all: no TLB lookup or fill, no A/D, no CR2, no counters, no events.
 */
#ifndef PAGESIM_SIM_MMU_H
#define PAGESIM_SIM_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "event.h"
#include "paging.h"
#include "tlb.h"
#include "x86.h"

struct phys;

enum mmu_access {
    MMU_READ,
    MMU_WRITE,
    MMU_EXEC, /* instruction fetch */
};

enum fault_reason {
    FAULT_NONE,
    FAULT_NOT_PRESENT,     /* P=0 in some entry */
    FAULT_WRITE_PROTECT,   /* write to a read-only page */
    FAULT_USER_SUPERVISOR, /* user access to a supervisor page */
    FAULT_EXECUTE_DISABLE, /* fetch from an XD page */
    FAULT_RESERVED_BIT,    /* reserved bit set in some entry */
    FAULT_NON_CANONICAL,   /* #GP: 4-level address not canonical */
};

/* One paging-structure entry the walk read (Bochs keeps these per level). */
struct walk_step {
    uint8_t level;       /* enum walk_level */
    uint16_t index;      /* index of the entry in its table */
    uint64_t table;      /* physical base of the table */
    uint64_t entry_addr; /* physical address of the entry */
    uint64_t entry;      /* value read, before any A/D update */
};

struct mmu_fault {
    uint8_t vector;      /* 0 none, 13 #GP, 14 #PF */
    uint8_t reason;      /* enum fault_reason */
    uint32_t error_code; /* #PF error code (X86_PF_*); 0 for #GP */
    uint64_t addr;       /* the faulting linear address (CR2 for #PF) */
};

struct mmu_request {
    uint64_t va;
    enum mmu_access access;
    bool user;  /* CPL 3 */
    bool probe; /* no side effect at all (translate) */
};

struct mmu_result {
    uint64_t pa;               /* valid when fault.vector == 0 */
    uint64_t page_size;        /* bytes: 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    bool tlb_hit;              /* served from the TLB without a walk */
    uint8_t rights;            /* TLB_F_RW | TLB_F_US | TLB_F_XD combined, | TLB_F_G */
    uint8_t nsteps;            /* steps[0..nsteps) are valid; the rest are not */
    struct walk_step steps[4]; /* entries at and past nsteps are left as they were */
    struct mmu_fault fault;
};

/* The hardware a translation uses. sink may be NULL. */
struct mmu {
    struct phys *phys;
    struct cpu *cpu;
    struct tlb *tlb;
    const struct event_sink *sink;
};

/* Translates rq->va for the access. Returns true and fills res->pa,
 * page_size, rights, the walk steps (none on a TLB hit) and tlb_hit, with
 * res->fault all zero; or returns false with res->fault filled (the steps
 * read so far stay in res). Only steps[0..nsteps) are written: the entries
 * past nsteps keep whatever they held (a TLB hit writes none of them).
 * Unless rq->probe, sets A/D bits, fills the TLB, sets CR2 on a #PF, and
 * emits events (TLB hit/miss/fill/evict, walk steps, A/D, fault). */
bool mmu_translate(const struct mmu *m, const struct mmu_request *rq, struct mmu_result *res);

/*
 * The TLB-hit path of mmu_translate() for a supervisor access (not a probe)
 * that needs only the physical address (the heap's metadata loads and
 * stores, the machine's supervisor accesses), inline so that a hit makes no
 * call. When
 * mmu_translate() would serve rq = {va, acc, user false, probe false} from a
 * TLB hit without a walk (paging on, va canonical in 4-level paging, only
 * 4 KiB pages cached, nobody listening, the entry allows the access as
 * tlb_allows() says), does exactly what it does then -- counts one TLB hit
 * and, when the entry was not its set's most recently used way, makes it so
 * (tlb_promote_hit), nothing else -- stores the physical address in
 * *pa and the entry's TLB_F_* flags in *flags, and returns true. In every
 * other case changes nothing and returns false: then call mmu_translate(),
 * which does the rest.
 */
static inline bool mmu_translate_quick(const struct mmu *m, uint64_t va, enum mmu_access acc,
                                       uint64_t *pa, unsigned *flags_out)
{
    const struct cpu *c = m->cpu;
    struct tlb *t = m->tlb;
    uint64_t cr0 = c->cr0;
    if (!(cr0 & X86_CR0_PG) || t == NULL || t->s.sizes != 1 || event_listening(&t->sink))
        return false;
    if ((c->cr4 & X86_CR4_PAE) && (c->efer & X86_EFER_LME)) {
        if ((va + (UINT64_C(1) << 47)) >> 48 != 0)
            return false; /* not canonical: #GP, mmu_translate reports it */
    } else {
        va &= UINT64_C(0xFFFFFFFF);
    }
    /* As tlb_lookup_quick: only 4 KiB pages are cached, so the stored va
     * names the page, and the first way holding it is the one a lookup finds. */
    uint64_t page_va = va & ~UINT64_C(0xFFF);
    const struct tlb_entry *e = t->e + (size_t)((va >> 12) & t->set_mask) * t->nways;
    const struct tlb_entry *end = e + t->nways;
    while (e->va != page_va) {
        if (++e == end)
            return false; /* a miss: mmu_translate counts it and walks */
    }
    /* A way that matches without the MRU flag is a hit on another way (its
     * stamp and the flag move: tlb_promote_hit), or for page 0 maybe an
     * invalid way, all zeros: the general path sorts that out. */
    if (!e->mru && page_va == 0)
        return false;
    /* tlb_allows() for a supervisor access: a write needs the cached D (and
     * R/W with CR0.WP=1), a fetch needs XD clear, a read needs nothing. */
    unsigned flags = e->flags;
    if (acc == MMU_WRITE) {
        unsigned need = TLB_F_D | ((cr0 & X86_CR0_WP) ? TLB_F_RW : 0);
        if ((flags & need) != need)
            return false;
    } else if (acc == MMU_EXEC) {
        if (flags & TLB_F_XD)
            return false;
    } else if (acc != MMU_READ) {
        return false;
    }
    if (e->mru)
        tlb_count_hit(t);
    else
        tlb_promote_hit(t, e);
    *pa = e->pa | (va & UINT64_C(0xFFF));
    *flags_out = flags;
    return true;
}

/* "PML4E", "PDPTE", "PDE", "PTE". */
const char *mmu_level_name(enum walk_level lvl);

/* The structure holding entries of level lvl: "PML4", "PDPT", "page directory",
 * "page table"; "paging structure" for anything else. */
const char *mmu_table_name(enum walk_level lvl);

/* "not present", "write to read-only page", "user access to supervisor page",
 * "fetch from execute-disabled page", "reserved bit set", "non-canonical address". */
const char *mmu_fault_reason_name(enum fault_reason r);

/* "read", "write", "exec". */
const char *mmu_access_name(enum mmu_access a);

/* True when va is canonical for 48-bit linear addresses (bits 63:47 equal). */
static inline bool mmu_canonical48(uint64_t va)
{
    uint64_t top = va >> 47;
    return top == 0 || top == UINT64_C(0x1FFFF);
}

#endif
