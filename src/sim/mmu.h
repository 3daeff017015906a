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
#include "phys.h"
#include "tlb.h"
#include "x86.h"

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
    uint64_t pa;        /* valid when fault.vector == 0 */
    uint64_t page_size; /* bytes: 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    bool tlb_hit;       /* served from the TLB without a walk */
    uint8_t rights;     /* TLB_F_RW | TLB_F_US | TLB_F_XD combined, | TLB_F_G */
    uint8_t nsteps;     /* steps[0..nsteps) are valid; the rest are not */
    struct walk_step
        steps[PAGING_MAX_LEVELS]; /* entries at and past nsteps are left as they were */
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
 * Whether a TLB entry may serve an access without a walk (SDM 4.6, 4.8): it
 * needs U/S for a user access; R/W for a write that honours it (user, or
 * CR0.WP=1) and the cached D, without which the walk must run to set it; no
 * XD for a fetch. Any other access value is checked as a read. A rule packs
 * the TLB_F_* flags that matter (low byte) and their required values (high
 * byte); the entry serves when mmu_tlb_serves(flags, rule). MMU_TLB_RULE is
 * the rule as a constant expression of w (a write), x (a fetch), u (a user
 * access) and wp (CR0.WP), each 0 or 1, for tables.
 */
#define MMU_TLB_NEED(w, u, wp)                                                                     \
    (((u) ? TLB_F_US : 0u) | ((w) ? TLB_F_D | ((u) || (wp) ? TLB_F_RW : 0u) : 0u))
#define MMU_TLB_RULE(w, x, u, wp) (MMU_TLB_NEED(w, u, wp) * 0x101u | ((x) ? TLB_F_XD : 0u))

static inline unsigned mmu_tlb_rule(enum mmu_access acc, bool user, uint64_t cr0)
{
    if (acc == MMU_WRITE)
        return MMU_TLB_RULE(1, 0, user, (cr0 & X86_CR0_WP) != 0);
    if (acc == MMU_EXEC)
        return MMU_TLB_RULE(0, 1, user, 0);
    return MMU_TLB_RULE(0, 0, user, 0);
}

static inline bool mmu_tlb_serves(unsigned flags, unsigned rule)
{
    return (flags & rule & 0xFF) == rule >> 8;
}

/* The TLB's quick probe (tlb_find_quick) and the rule together: the entry
 * that serves an access whose mmu_tlb_rule() is rule, having changed
 * nothing, or NULL (*miss as tlb_find_quick says). */
static inline const struct tlb_entry *mmu_tlb_quick(const struct tlb *t, uint64_t va, unsigned rule,
                                                    bool *miss)
{
    const struct tlb_entry *e = tlb_find_quick(t, va, miss);
    if (e == NULL || !mmu_tlb_serves(e->flags, rule))
        return NULL;
    return e;
}

/*
 * mmu_translate() for a supervisor access {va, acc} (not a probe) that a TLB
 * hit serves on the TLB's quick path, inline so that such a hit makes no
 * call (the memo below, the machine's accesses). When paging is on, va is
 * canonical in 4-level paging, tlb_find_quick() finds the entry (only 4 KiB
 * pages cached, nobody listening) and mmu_tlb_rule() lets it serve the
 * access: does what mmu_translate() does then -- the TLB's tlb_take_hit(),
 * nothing else -- stores the physical address in *pa and the entry's TLB_F_*
 * flags in *flags, and returns true. Otherwise changes nothing and returns
 * false: then call mmu_translate().
 *
 * It is the hit path of mmu_translate() itself, not a copy: both are the
 * TLB's probe (tlb_find_quick, or tlb_lookup_mru for mmu_translate, which
 * leaves a hit on another way to the general path), this rule, and the
 * TLB's hit accounting (tlb_take_hit, tlb_count_hit). tests/test_fastpath.c checks that
 * machines with and without it agree.
 */
static inline bool mmu_translate_quick(const struct mmu *m, uint64_t va, enum mmu_access acc,
                                       uint64_t *pa, unsigned *flags)
{
    const struct cpu *c = m->cpu;
    struct tlb *t = m->tlb;
    uint64_t cr0 = c->cr0;
    if (!(cr0 & X86_CR0_PG) || t == NULL)
        return false;
    if ((c->cr4 & X86_CR4_PAE) && (c->efer & X86_EFER_LME)) {
        if (!paging_va_ok(paging_geom(PAGING_LONG), va))
            return false; /* not canonical: #GP, mmu_translate reports it */
    } else {
        va = paging_mode_va_cut((c->cr4 & X86_CR4_PAE) ? PAGING_PAE : PAGING_32, va);
    }
    bool miss;
    const struct tlb_entry *e = mmu_tlb_quick(t, va, mmu_tlb_rule(acc, false, cr0), &miss);
    if (e == NULL)
        return false; /* a miss too: mmu_translate counts it and walks */
    *pa = e->pa | (va & (X86_PAGE_SIZE - 1));
    *flags = e->flags;
    tlb_take_hit(t, e);
    return true;
}

/*
 * A memo of recent translations, for a caller that makes many supervisor
 * 8-byte loads and stores on a few pages (the heap's metadata): each is a
 * full translation (mmu_translate()) that counts what it counts, but a page
 * the memo holds costs a compare instead of a TLB lookup.
 *
 * A slot is made only from a hit mmu_translate_quick() served, after which
 * the entry is its set's most recently used way, and it holds while the
 * TLB's generation stays the same: until then the same lookup would hit the
 * same entry and change nothing but the hit count, which a load or store
 * through the slot counts (tlb_count_hit). What else the hit depends on is
 * checked by mmu_memo_begin(), which the caller calls as each of its
 * operations begins: the registers that choose the mode and CR0.WP, and
 * tracked memory's journal (with one attached, epochs end between
 * operations, so the slots last one operation). Host-side only: never saved,
 * hashed or seen. Owned by the caller, used with one mmu.
 */
#define MMU_MEMO_SLOTS 8u /* chosen by the low bits of the page number */

struct mmu_memo_slot {
    uint64_t page;   /* linear page base as asked for */
    uint64_t gen;    /* tlb_generation() when it was made; UINT64_MAX: none */
    uint64_t frame;  /* physical frame base, wholly inside RAM */
    uint8_t *host;   /* the frame's bytes */
    bool write_ok;   /* the entry serves a supervisor write (cached D, R/W under CR0.WP) */
    bool store_free; /* stores to the frame need no tmem_touch (see mmu_memo_begin) */
};

struct mmu_memo {
    struct mmu_memo_slot slot[MMU_MEMO_SLOTS];
    uint64_t cr0, cr4, efer; /* the registers the slots were made under */
    uint64_t *faults;        /* counts the loads and stores that faulted */
};

/* Forgets every slot. */
void mmu_memo_reset(struct mmu_memo *mm);

/* Makes an empty memo whose loads and stores count their faults in *faults
 * (which must outlive it). */
void mmu_memo_init(struct mmu_memo *mm, uint64_t *faults);

/* Called as each of the caller's operations begins: forgets the slots when
 * the registers changed since they were made, or when a journal may have
 * ended an epoch since. */
static inline void mmu_memo_begin(const struct mmu *m, struct mmu_memo *mm)
{
    const struct cpu *c = m->cpu;
    if (c->cr0 == mm->cr0 && c->cr4 == mm->cr4 && c->efer == mm->efer &&
        m->phys->mem->journal.save == NULL)
        return;
    mmu_memo_reset(mm);
    mm->cr0 = c->cr0;
    mm->cr4 = c->cr4;
    mm->efer = c->efer;
}

/* The general paths of mmu_load64() and mmu_store64(). Call those instead. */
uint64_t mmu_load64_slow(const struct mmu *m, struct mmu_memo *mm, uint64_t va);
void mmu_store64_slow(const struct mmu *m, struct mmu_memo *mm, uint64_t va, uint64_t v);

/* The slot that serves an 8-byte access at va now, or NULL. */
static inline struct mmu_memo_slot *mmu_memo_hit(const struct mmu *m, struct mmu_memo *mm,
                                                 uint64_t va)
{
    struct mmu_memo_slot *s = &mm->slot[(va >> X86_PAGE_SHIFT) & (MMU_MEMO_SLOTS - 1)];
    /* One compare for both "the same page" and "all 8 bytes inside it". */
    if (va - s->page > X86_PAGE_SIZE - 8 || s->gen != tlb_generation(m->tlb))
        return NULL;
    return s;
}

/* A supervisor 8-byte little-endian load at va: translates as mmu_translate()
 * does (with every count and side effect) and reads RAM (all ones outside
 * it). When the translation faults, counts it in the memo's faults and
 * reads 0. */
static inline uint64_t mmu_load64(const struct mmu *m, struct mmu_memo *mm, uint64_t va)
{
    const struct mmu_memo_slot *s = mmu_memo_hit(m, mm, va);
    if (s == NULL)
        return mmu_load64_slow(m, mm, va);
    tlb_count_hit(m->tlb);
    return phys_get_le64(s->host + (va & (X86_PAGE_SIZE - 1)));
}

/* A store through slot s that allows writes: what phys_store64 does, with
 * the tmem_touch skipped once it is known to do nothing. */
static inline void mmu_memo_store(const struct mmu *m, struct mmu_memo_slot *s, uint64_t va,
                                  uint64_t v)
{
    uint64_t off = va & (X86_PAGE_SIZE - 1);
    if (!s->store_free) {
        tmem_touch(m->phys->mem, s->frame + off, 8);
        s->store_free = true;
    }
    phys_put_le64(s->host + off, v);
}

/* A supervisor 8-byte little-endian store at va, as mmu_load64() loads
 * (outside RAM the store is dropped; a fault is counted and drops it). */
static inline void mmu_store64(const struct mmu *m, struct mmu_memo *mm, uint64_t va, uint64_t v)
{
    struct mmu_memo_slot *s = mmu_memo_hit(m, mm, va);
    if (s == NULL || !s->write_ok) {
        mmu_store64_slow(m, mm, va, v);
        return;
    }
    tlb_count_hit(m->tlb);
    mmu_memo_store(m, s, va, v);
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

#endif
