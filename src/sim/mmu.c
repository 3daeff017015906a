/*
 * mmu.c - the x86 page walk, as the Intel SDM Vol. 3A chapter 4 describes it.
 *
 * One walk serves the four modes of table 4-1. Every entry is held as a
 * uint64_t (a 32-bit entry is loaded with phys_load32 and zero-extended, as
 * QEMU does), and the levels are one loop (xv6-riscv's walk, QEMU's
 * mmu_translate), not one copy per mode:
 *
 *   32-bit (4.3)    CR3 -> PDE -> PTE           4 KiB, or 4 MiB at PDE.PS=1 with CR4.PSE
 *   PAE (4.4)       PDPTE register -> PDE -> PTE  4 KiB, or 2 MiB at PDE.PS=1
 *   4-level (4.5)   CR3 -> PML4E -> PDPTE -> PDE -> PTE   4 KiB, 2 MiB, 1 GiB
 *
 * At each level, top-down (SDM 4.7): an entry with P=0 ends the walk with a
 * not-present #PF; an entry with a reserved bit set ends it with P|RSVD; only
 * when the leaf is reached are the rights combined over all levels checked
 * (SDM 4.6: U/S and R/W are ANDed, XD is ORed; supervisor writes honour
 * R/W only with CR0.WP=1; no SMEP/SMAP). Reserved bits are the tables'
 * "must be 0" bits for MAXPHYADDR M (cpu->maxphyaddr): 62:M in PAE and
 * 4-level entries, XD while EFER.NXE=0, PS in a PML4E, address bits below
 * a large page (20:13 for 2 MiB, 29:13 for 1 GiB), and in a 4 MiB PDE bit 21
 * and the PSE-36 bits 20:13 that would name PA bits at or above M.
 *
 * Accessed is set in a non-leaf entry as soon as it is known present and
 * free of reserved bits (QEMU's order), in the leaf only when the access is
 * allowed; Dirty only in the leaf, only for an allowed write (SDM 4.8). An
 * entry is written back (phys_store32 or phys_store64, by format) only when
 * a bit changes. PAE PDPTEs are registers loaded at CR3 load (SDM 4.4.1):
 * the walk uses cpu->pdpte[], never re-reads the PDPT, and sets no A there.
 *
 * The TLB (SDM 4.10.2) is asked first. Its entry is trusted: a stale entry
 * serves stale translations. When the entry does not allow the access, or a
 * write meets an entry whose cached D is clear, the walk runs again, which is
 * how hardware sets D through a clean entry and how it re-checks the tables
 * before faulting. A successful walk fills the TLB. A #PF loads CR2 and drops
 * the TLB entries for the faulting address (SDM 4.10.4.1) through
 * tlb_invalidate_page, which counts no INVLPG: none ran. So does one more
 * rare case: a re-walk that finds a page of another size than the entry that
 * failed drops that entry before filling the new one, so a lookup cannot keep
 * finding the old one first.
 *
 * The TLB-hit path is the hot one (every access of a replay): it reads the
 * mode, asks the TLB's quick lookup for a pointer to its entry (no copy;
 * tlb_lookup_mru), checks the access with one rule (mmu_tlb_rule, tabulated
 * here), and writes only the result fields the contract names (never the
 * steps array, which is valid only up to nsteps). mmu_translate_quick() in
 * mmu.h is the same path for supervisor accesses, inline for the callers
 * that want no call, made of the same parts (tests/test_fastpath.c runs
 * machines with and without it). The memo of recent translations (mmu.h,
 * the heap's metadata loads and stores) is built on it.
 *
 * Events (only when someone listens): EV_WALK_STEP for every step of the
 * result (the PAE PDPTE register included, with its would-be address),
 * EV_AD_SET for every entry written back, EV_FAULT for #PF and #GP; the TLB
 * reports its own hits, misses and fills.
 *
 * A probe (rq->probe) runs the same walk with every side effect switched off:
 * no TLB lookup or fill, no A/D writes, no CR2, no events.
 */
#include "mmu.h"

#include <stddef.h>

#include "cpu.h"
#include "phys.h"
#include "tlb.h"
#include "x86.h"

/* Linear addresses with paging off outside long mode: 32 bits (SDM 3.3.1),
 * the width of no paging mode's row. */
#define LA32_MASK UINT64_C(0xFFFFFFFF)

/* Rights with nothing taken away yet: writable, user. */
#define RIGHTS_ALL (TLB_F_RW | TLB_F_US)

/* Which right the access lacks, given rights as TLB_F_* flags; FAULT_NONE
 * when it is allowed (SDM 4.6). */
static inline enum fault_reason denied(unsigned flags, enum mmu_access access, bool user, bool wp)
{
    if (user && !(flags & TLB_F_US))
        return FAULT_USER_SUPERVISOR;
    if (access == MMU_WRITE && !(flags & TLB_F_RW) && (user || wp))
        return FAULT_WRITE_PROTECT;
    if (access == MMU_EXEC && (flags & TLB_F_XD))
        return FAULT_EXECUTE_DISABLE;
    return FAULT_NONE;
}

/* The error code of a #PF for this request (SDM 4.7): W for a write, U for a
 * user access, I/D for a fetch only where execute-disable exists (PAE or
 * 4-level paging with EFER.NXE), plus the P/RSVD bits the caller knows. */
static inline uint32_t fault_code(const struct mmu_request *rq, bool nxe, uint32_t bits)
{
    return bits | (rq->access == MMU_WRITE ? X86_PF_W : 0) | (rq->user ? X86_PF_U : 0) |
           (rq->access == MMU_EXEC && nxe ? X86_PF_ID : 0);
}

static void emit_fault(const struct mmu *m, const struct mmu_fault *f)
{
    struct event ev = {0};
    ev.kind = EV_FAULT;
    ev.va = f->addr;
    ev.extra = f->vector;
    ev.code = f->error_code;
    ev.reason = f->reason;
    event_emit(m->sink, &ev);
}

/* A #PF at va: fills res->fault and, unless probing, reports it, loads CR2 and
 * drops the TLB's entries for va. Returns false, for the caller to return. */
static bool page_fault(const struct mmu *m, bool side, uint64_t va, enum fault_reason reason,
                       uint32_t code, struct mmu_result *res)
{
    res->fault.vector = X86_VEC_PF;
    res->fault.reason = (uint8_t)reason;
    res->fault.error_code = code;
    res->fault.addr = va;
    if (side) {
        /* The fault drops the TLB's entries for va (SDM 4.10.4.1) before it
         * is reported; CR2 is loaded next, an event of its own. */
        if (m->tlb != NULL)
            tlb_invalidate_page(m->tlb, va);
        if (event_listening(m->sink))
            emit_fault(m, &res->fault);
        cpu_set_cr2(m->cpu, m->sink, va);
    }
    return false;
}

/* Writes e back at ea (4 bytes in 32-bit paging, else 8) and reports the A/D
 * change. Nothing is reported when ea lies outside RAM (the store is dropped). */
static void write_back(const struct mmu *m, bool wide, uint64_t va, unsigned lvl, uint64_t ea,
                       uint64_t old, uint64_t e)
{
    bool stored = wide ? phys_store64(m->phys, ea, e) : phys_store32(m->phys, ea, (uint32_t)e);
    if (stored && event_listening(m->sink))
        event_emit_entry(m->sink, EV_AD_SET, (uint8_t)lvl, va, ea, old, e);
}

/* The walk is written once and specialised per mode: the compiler builds one
 * copy per constant mode, so the mode tests inside the loop cost nothing. */
#if defined(__clang__)
#define WALK_INLINE   inline __attribute__((always_inline))
#define WALK_NOINLINE __attribute__((noinline))
#define WALK_UNROLL   _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define WALK_INLINE   inline __attribute__((always_inline))
#define WALK_NOINLINE __attribute__((noinline))
#define WALK_UNROLL   _Pragma("GCC unroll 4")
#else
#define WALK_UNROLL
#define WALK_INLINE inline
#define WALK_NOINLINE
#endif

/*
 * The walk proper, for a constant mode (PAGING_32, PAGING_PSE, PAGING_PAE or
 * PAGING_LONG: its row of paging.h folds to constants) and a va already
 * truncated (32-bit, PAE) or checked canonical (4-level). stale_shift is the
 * page shift of a TLB entry that served va but could not allow the access
 * (0: none), so that a successful walk does not leave it beside the new one.
 * long: over 100 lines on purpose: the walk is the hot slow path, inlined
 * once per mode, and every part of it (register step, levels, leaf, fill)
 * shares the locals it computes once; split, they would be passed around.
 */
static WALK_INLINE bool walk(const struct mmu *m, const struct mmu_request *rq, uint64_t va,
                             const enum paging_mode mode, unsigned stale_shift,
                             struct mmu_result *res)
{
    const struct paging_geom *g = paging_geom(mode);
    const struct cpu *c = m->cpu;
    const struct phys *ph = m->phys;
    const bool side = !rq->probe;
    const bool listen = side && event_listening(m->sink);
    const bool wide = g->entry_bytes == 8;
    const bool nxe = wide && (c->efer & X86_EFER_NXE) != 0;
    const bool write = rq->access == MMU_WRITE;
    const unsigned maxpa = cpu_maxphyaddr_clamp(c->maxphyaddr);
    const uint64_t addr_mask = paging_addr_mask(g, maxpa);
    const uint64_t rsvd = wide ? x86_rsvd_high_mask(maxpa) | (nxe ? 0 : X86_PTE_XD) : 0;

    unsigned d = 0;
    unsigned lvl;
    uint64_t table;
    uint64_t e;
    uint64_t ea;
    if (g->pdpte_regs) {
        /* The PDPTE register (SDM 4.4.1): no RAM read, no rights, no A bit. */
        unsigned index = paging_index(g, 0, va);
        table = paging_root(g, c->cr3, maxpa);
        ea = table + g->entry_bytes * (uint64_t)index;
        e = c->pdpte[index];
        struct walk_step *st = &res->steps[0];
        st->level = g->lv[0].level;
        st->index = (uint16_t)index;
        st->table = table;
        st->entry_addr = ea;
        st->entry = e;
        res->nsteps = 1;
        if (listen) {
            /* event_emit_entry(), written out: through the call GCC
             * allocates the walk's registers worse (one instruction more
             * per walk in bench_translate, with nobody listening). */
            struct event ev = {0};
            ev.kind = EV_WALK_STEP;
            ev.level = g->lv[0].level;
            ev.va = va;
            ev.pa = ea;
            ev.old = e;
            event_emit(m->sink, &ev);
        }
        if (!(e & X86_PTE_P))
            return page_fault(m, side, va, FAULT_NOT_PRESENT, fault_code(rq, nxe, 0), res);
        /* Table 4-8: 2:1, 8:5 and 63:M are reserved; bit 63 is not XD here. */
        if (e & (X86_PDPTE_PAE_RSVD_LOW | ~((UINT64_C(1) << maxpa) - 1)))
            return page_fault(m, side, va, FAULT_RESERVED_BIT,
                              fault_code(rq, nxe, X86_PF_P | X86_PF_RSVD), res);
        d = 1;
        table = e & addr_mask;
    } else {
        table = paging_root(g, c->cr3, maxpa);
    }

    uint64_t and_bits = X86_PTE_RW | X86_PTE_US; /* ANDed over the levels */
    uint64_t or_bits = 0;                        /* ORed: XD */
    unsigned n = res->nsteps;
    bool large = false;
    /* Bounded by the deepest row so that every compiler can unroll it; it is
     * always left by the break at the leaf (depth nlevels - 1 at the latest). */
    WALK_UNROLL
    for (; d < PAGING_MAX_LEVELS; d++) {
        lvl = g->lv[d].level;
        unsigned index = paging_index(g, d, va);
        ea = table + g->entry_bytes * (uint64_t)index;
        e = wide ? phys_load64(ph, ea) : phys_load32(ph, ea);

        struct walk_step *st = &res->steps[n++];
        st->level = (uint8_t)lvl;
        st->index = (uint16_t)index;
        st->table = table;
        st->entry_addr = ea;
        st->entry = e;
        if (listen) {
            res->nsteps = (uint8_t)n;
            /* event_emit_entry(), written out: through the call GCC
             * allocates the walk's registers worse (one instruction more
             * per walk in bench_translate, with nobody listening). */
            struct event ev = {0};
            ev.kind = EV_WALK_STEP;
            ev.level = (uint8_t)lvl;
            ev.va = va;
            ev.pa = ea;
            ev.old = e;
            event_emit(m->sink, &ev);
        }

        if (!(e & X86_PTE_P)) {
            res->nsteps = (uint8_t)n;
            return page_fault(m, side, va, FAULT_NOT_PRESENT, fault_code(rq, nxe, 0), res);
        }

        uint64_t bad = e & rsvd;
        if (paging_ps_reserved(g, d)) {
            bad |= e & X86_PDE_PS;
        } else if (paging_is_leaf(g, d, e) && d + 1u < g->nlevels) {
            large = true;
            if (!wide)
                bad = e & paging_large_rsvd(g, d, maxpa);
            else
                bad |= e & paging_large_rsvd(g, d, maxpa);
        }
        if (bad != 0) {
            res->nsteps = (uint8_t)n;
            return page_fault(m, side, va, FAULT_RESERVED_BIT,
                              fault_code(rq, nxe, X86_PF_P | X86_PF_RSVD), res);
        }

        and_bits &= e;
        or_bits |= e;
        if (large || d + 1u >= g->nlevels)
            break;
        if (side && !(e & X86_PTE_A))
            write_back(m, wide, va, lvl, ea, e, e | X86_PTE_A);
        table = e & addr_mask;
    }
    res->nsteps = (uint8_t)n;

    /* The leaf: e, at depth d, maps a page of 2^shift bytes. */
    unsigned shift = g->lv[d].shift;
    uint64_t size = UINT64_C(1) << shift;
    uint64_t base = paging_entry_addr_masked(g, d, e, addr_mask);
    unsigned rights = ((and_bits & X86_PTE_RW) ? TLB_F_RW : 0) |
                      ((and_bits & X86_PTE_US) ? TLB_F_US : 0) |
                      ((nxe && (or_bits & X86_PTE_XD)) ? TLB_F_XD : 0);
    res->page_size = size;
    res->rights = (uint8_t)rights;

    enum fault_reason why = denied(rights, rq->access, rq->user, (c->cr0 & X86_CR0_WP) != 0);
    if (why != FAULT_NONE)
        return page_fault(m, side, va, why, fault_code(rq, nxe, X86_PF_P), res);

    if ((e & X86_PTE_G) && (c->cr4 & X86_CR4_PGE))
        rights |= TLB_F_G;
    res->rights = (uint8_t)rights;
    res->pa = base | (va & (size - 1));
    if (!side)
        return true;

    uint64_t leaf = e | X86_PTE_A | (write ? X86_PTE_D : 0);
    if (leaf != e)
        write_back(m, wide, va, lvl, ea, e, leaf);
    if (m->tlb != NULL) {
        if (stale_shift != 0 && stale_shift != shift)
            tlb_invalidate_page(m->tlb, va);
        struct tlb_entry te = {0};
        te.va = va & ~(size - 1);
        te.pa = base;
        te.shift = (uint8_t)shift;
        te.flags = (uint8_t)(rights | ((leaf & X86_PTE_D) ? TLB_F_D : 0));
        tlb_fill(m->tlb, &te, NULL);
    }
    return true;
}

/* One copy of the walk per paging mode, out of the TLB-hit path's way. Sets
 * the result fields a walk does not always reach first. */
static WALK_NOINLINE bool walk_any(const struct mmu *m, const struct mmu_request *rq, uint64_t va,
                                   enum paging_mode mode, unsigned stale_shift,
                                   struct mmu_result *res)
{
    res->tlb_hit = false;
    res->page_size = 0;
    res->rights = 0;
    res->nsteps = 0;
    res->fault = (struct mmu_fault){0};
    switch (mode) {
    case PAGING_32:
    case PAGING_PSE:
        /* cpu_paging_mode says 32-bit paging; CR4.PSE picks the row that
         * lets a PDE map a 4 MiB page. */
        if (m->cpu->cr4 & X86_CR4_PSE)
            return walk(m, rq, va, PAGING_PSE, stale_shift, res);
        return walk(m, rq, va, PAGING_32, stale_shift, res);
    case PAGING_PAE:
        return walk(m, rq, va, PAGING_PAE, stale_shift, res);
    case PAGING_LONG:
        return walk(m, rq, va, PAGING_LONG, stale_shift, res);
    case PAGING_OFF:
        break;
    }
    return false; /* not reached: mmu_translate handles PAGING_OFF */
}

/* mmu_tlb_rule() of a request, from a table (a load is cheaper than the
 * tests when the access is not known at compile time). */
#define RULES_OF(w, x)                                                                             \
    {                                                                                              \
        {MMU_TLB_RULE(w, x, 0, 0), MMU_TLB_RULE(w, x, 0, 1)},                                      \
        {                                                                                          \
            MMU_TLB_RULE(w, x, 1, 0), MMU_TLB_RULE(w, x, 1, 1)                                     \
        }                                                                                          \
    }
static const uint16_t tlb_rules[4][2][2] = {
    /* [access][user][CR0.WP]; row 3 (no such access) is checked as a read */
    [MMU_READ] = RULES_OF(0, 0),
    [MMU_WRITE] = RULES_OF(1, 0),
    [MMU_EXEC] = RULES_OF(0, 1),
    [3] = RULES_OF(0, 0),
};
#undef RULES_OF

static inline unsigned rule_of(const struct mmu_request *rq, uint64_t cr0)
{
    return tlb_rules[(unsigned)rq->access & 3][rq->user][(cr0 >> X86_CR0_WP_BIT) & 1];
}

/* Fills res from te, an entry for a page of 2^shift bytes that served va. */
static inline void hit_result(const struct tlb_entry *te, unsigned shift, uint64_t va,
                              struct mmu_result *res)
{
    uint64_t size = UINT64_C(1) << shift;
    res->tlb_hit = true;
    res->pa = te->pa | (va & (size - 1));
    res->page_size = size;
    res->rights = (uint8_t)(te->flags & (TLB_F_RW | TLB_F_US | TLB_F_XD | TLB_F_G));
    res->nsteps = 0;
    res->fault = (struct mmu_fault){0};
}

/* The general TLB path (any page size, a listener, a hit on a way not yet
 * the most recent of its set): look up, serve or walk. */
static WALK_NOINLINE bool translate_tlb(const struct mmu *m, const struct mmu_request *rq,
                                        uint64_t va, enum paging_mode mode, struct mmu_result *res)
{
    const struct tlb_entry *te = tlb_lookup_ref(m->tlb, va);
    if (te == NULL)
        return walk_any(m, rq, va, mode, 0, res);
    if (mmu_tlb_serves(te->flags, rule_of(rq, m->cpu->cr0))) {
        hit_result(te, te->shift, va, res);
        return true;
    }
    return walk_any(m, rq, va, mode, te->shift, res);
}

/* #GP(0) for a non-canonical 4-level address, before any TLB or table
 * access: no CR2, no error code. */
static WALK_NOINLINE bool non_canonical(const struct mmu *m, const struct mmu_request *rq,
                                        uint64_t va, struct mmu_result *res)
{
    res->tlb_hit = false;
    res->page_size = 0;
    res->rights = 0;
    res->nsteps = 0;
    res->fault = (struct mmu_fault){0};
    res->fault.vector = X86_VEC_GP;
    res->fault.reason = FAULT_NON_CANONICAL;
    res->fault.addr = va;
    if (!rq->probe && event_listening(m->sink))
        emit_fault(m, &res->fault);
    return false;
}

/*
 * The hot path: a TLB hit on the quick path (tlb_lookup_mru, inline) makes no
 * call at all and writes the result in place; everything else leaves by a
 * tail call.
 */
bool mmu_translate(const struct mmu *m, const struct mmu_request *rq, struct mmu_result *res)
{
    const struct cpu *c = m->cpu;
    enum paging_mode mode = cpu_paging_mode(c);
    uint64_t va = rq->va;

    if (mode == PAGING_OFF) {
        /* Linear is physical; outside long mode linear addresses are 32 bits. */
        res->tlb_hit = false;
        res->pa = (c->efer & X86_EFER_LMA) ? va : va & LA32_MASK;
        res->page_size = X86_PAGE_SIZE;
        res->rights = RIGHTS_ALL;
        res->nsteps = 0;
        res->fault = (struct mmu_fault){0};
        return true;
    }
    if (mode == PAGING_LONG) {
        if (!paging_va_ok(paging_geom(PAGING_LONG), va))
            return non_canonical(m, rq, va, res);
    } else {
        va = paging_mode_va_cut(mode, va);
    }

    struct tlb *t = m->tlb;
    if (rq->probe || t == NULL)
        return walk_any(m, rq, va, mode, 0, res);
    /* The quick lookup of the set's most recently used way, with the rule
     * looked up only once an entry is found (a miss has no use for it); a
     * hit on another way takes the general path (its promotion makes a
     * call). */
    bool miss;
    const struct tlb_entry *te = tlb_lookup_mru(t, va, &miss);
    if (te == NULL)
        return miss ? walk_any(m, rq, va, mode, 0, res) : translate_tlb(m, rq, va, mode, res);
    if (mmu_tlb_serves(te->flags, rule_of(rq, c->cr0))) {
        hit_result(te, X86_PAGE_SHIFT, va, res);
        return true;
    }
    return walk_any(m, rq, va, mode, te->shift, res); /* as translate_tlb */
}

/* --- the memo (mmu.h) ---------------------------------------------------- */

void mmu_memo_reset(struct mmu_memo *mm)
{
    for (unsigned i = 0; i < MMU_MEMO_SLOTS; i++)
        mm->slot[i].gen = UINT64_MAX; /* never a generation: the count starts at 0 */
}

void mmu_memo_init(struct mmu_memo *mm, uint64_t *faults)
{
    *mm = (struct mmu_memo){0};
    mm->faults = faults;
    mmu_memo_reset(mm);
}

/* Makes the slot of va from a quick-path hit (pa, the entry's flags), when
 * its frame lies wholly inside RAM; returns it, or NULL. */
static struct mmu_memo_slot *memo_fill(const struct mmu *m, struct mmu_memo *mm, uint64_t va,
                                       uint64_t pa, unsigned flags)
{
    struct phys *ph = m->phys;
    uint64_t frame = pa & ~(X86_PAGE_SIZE - 1);
    if (!phys_contains(ph, frame, X86_PAGE_SIZE))
        return NULL;
    struct mmu_memo_slot *s = &mm->slot[(va >> X86_PAGE_SHIFT) & (MMU_MEMO_SLOTS - 1)];
    s->page = va & ~(X86_PAGE_SIZE - 1);
    s->gen = tlb_generation(m->tlb);
    s->frame = frame;
    s->host = ph->mem->data + frame;
    /* mmu_tlb_rule() of a supervisor write: no flag denies it, these must be set. */
    unsigned need = MMU_TLB_NEED(1, 0, (m->cpu->cr0 & X86_CR0_WP) != 0);
    s->write_ok = (flags & need) == need;
    s->store_free = tmem_chunk_touched(ph->mem, frame);
    return s;
}

/* A supervisor translation of va for acc through mmu_translate(); counts a
 * fault in the memo. */
static WALK_INLINE bool memo_translate(const struct mmu *m, struct mmu_memo *mm, uint64_t va,
                                       enum mmu_access acc, uint64_t *pa)
{
    struct mmu_request rq = {va, acc, false, false};
    struct mmu_result res;
    if (!mmu_translate(m, &rq, &res)) {
        (*mm->faults)++;
        return false;
    }
    *pa = res.pa;
    return true;
}

uint64_t mmu_load64_slow(const struct mmu *m, struct mmu_memo *mm, uint64_t va)
{
    uint64_t pa;
    unsigned flags;
    if (mmu_translate_quick(m, va, MMU_READ, &pa, &flags))
        memo_fill(m, mm, va, pa, flags);
    else if (!memo_translate(m, mm, va, MMU_READ, &pa))
        return 0;
    return phys_load64(m->phys, pa);
}

void mmu_store64_slow(const struct mmu *m, struct mmu_memo *mm, uint64_t va, uint64_t v)
{
    uint64_t pa;
    unsigned flags;
    if (mmu_translate_quick(m, va, MMU_WRITE, &pa, &flags)) {
        struct mmu_memo_slot *s = memo_fill(m, mm, va, pa, flags);
        if (s != NULL && (va & (X86_PAGE_SIZE - 1)) <= X86_PAGE_SIZE - 8) {
            mmu_memo_store(m, s, va, v);
            return;
        }
    } else if (!memo_translate(m, mm, va, MMU_WRITE, &pa)) {
        return;
    }
    phys_store64(m->phys, pa, v);
}

const char *mmu_level_name(enum walk_level lvl)
{
    static const char *const names[] = {"PML4E", "PDPTE", "PDE", "PTE"};
    unsigned i = (unsigned)lvl;
    return i < sizeof names / sizeof names[0] ? names[i] : "?";
}

const char *mmu_table_name(enum walk_level lvl)
{
    static const char *const names[] = {"PML4", "PDPT", "page directory", "page table"};
    unsigned i = (unsigned)lvl;
    return i < sizeof names / sizeof names[0] ? names[i] : "paging structure";
}

const char *mmu_fault_reason_name(enum fault_reason r)
{
    static const char *const names[] = {
        "none",
        "not present",
        "write to read-only page",
        "user access to supervisor page",
        "fetch from execute-disabled page",
        "reserved bit set",
        "non-canonical address",
    };
    unsigned i = (unsigned)r;
    return i < sizeof names / sizeof names[0] ? names[i] : "?";
}

const char *mmu_access_name(enum mmu_access a)
{
    static const char *const names[] = {"read", "write", "exec"};
    unsigned i = (unsigned)a;
    return i < sizeof names / sizeof names[0] ? names[i] : "?";
}
