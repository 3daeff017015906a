/*
 * access.h - one memory access as it happened, rebuilt from the machine's
 * micro-events (sim/event.h), for the views and `expect` to tell what the
 * hardware really did at a moment, never what a probe of the tables would
 * do now.
 *
 * An access is one translation through the MMU (SDM Vol. 3A 4.10: TLB
 * lookup, then a walk on a miss or when the cached entry cannot serve it),
 * the program's (a trace's read/write/exec, or the touch after malloc: it
 * ends with EV_ACCESS) or the kernel's (the allocator's loads and stores of
 * its metadata: no EV_ACCESS). The MMU reports it in this order:
 *
 *   EV_TLB_HIT | EV_TLB_MISS       the lookup (absent when the TLB is absent)
 *   EV_WALK_STEP ...               each entry as read, top first (a miss, or a
 *                                  hit whose entry could not serve the access)
 *   EV_AD_SET ...                  A (and D on the leaf) written back
 *   EV_TLB_EVICT, EV_TLB_FILL      the walk's result cached
 *   EV_FAULT [, EV_CR_WRITE CR2]   a #PF (CR2 loaded) or a #GP (non-canonical)
 *   EV_ACCESS                      the program's bytes: size, kind, CPL
 *
 * With paging off only EV_ACCESS is emitted. A #GP that a control-register
 * write raises (EV_FAULT with no reason) is no access. Other events (heap,
 * VMM, INVLPG) leave the record alone.
 *
 * The record is a plain value (no pointers): the timeline keeps it in its
 * checkpointed state, so it is right after any step back or jump.
 */
#ifndef PAGESIM_REPLAY_ACCESS_H
#define PAGESIM_REPLAY_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/paging_mode.h"
#include "sim/event.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/paging.h"

/* One entry the walk read, and what A/D setting wrote back into it. */
struct access_step {
    uint8_t level;       /* enum walk_level */
    uint16_t index;      /* index of the entry in its table */
    uint64_t table;      /* physical base of the table (PAE PDPTE: the PDPT CR3 names) */
    uint64_t entry_addr; /* physical address of the entry */
    uint64_t entry;      /* the value as read, before any A/D update */
    uint64_t written;    /* the value A/D setting wrote back; == entry when none */
};

struct access_record {
    bool valid;      /* false: no access yet */
    bool program;    /* the program's access (EV_ACCESS seen); else the kernel's */
    bool kind_known; /* access and user are known: EV_ACCESS, a #PF's error code,
                        or a kernel access (supervisor) that set D (a write) */
    bool user;       /* CPL 3 */
    uint8_t access;  /* enum mmu_access (MMU_READ while not kind_known) */
    uint8_t mode;    /* enum paging_mode the access was translated in */
    bool tlb_looked; /* the TLB was asked (EV_TLB_HIT or EV_TLB_MISS) */
    bool tlb_hit;    /* ... and held an entry (EV_TLB_HIT): tlb_pa, tlb_size */
    bool filled;     /* the walk's result went into the TLB (EV_TLB_FILL) */
    bool has_pa;     /* pa and page_size are known (a hit, a fill, EV_ACCESS) */
    bool faulted;    /* EV_FAULT: vector, error_code, reason */
    bool has_cr2;    /* a #PF loaded CR2 with cr2 */
    uint8_t vector;  /* 14 #PF, 13 #GP */
    uint8_t reason;  /* enum fault_reason */
    uint8_t nsteps;  /* steps[0..nsteps) are valid */
    uint32_t error_code;
    uint64_t op;        /* 1-based operation that made it (0: the boot) */
    uint64_t first_ev;  /* 1-based index within the op of its first event */
    uint64_t ev;        /* 1-based index within the op of its last event */
    uint64_t va;        /* linear address translated (cut to the mode's width) */
    uint64_t size;      /* bytes the program accessed through it; 0 if unknown */
    uint64_t pa;        /* physical address reached (has_pa) */
    uint64_t page_size; /* bytes of the page (has_pa, or a walk that reached a leaf) */
    uint64_t tlb_pa;    /* what the TLB's entry gave for va (tlb_hit) */
    uint64_t tlb_size;  /* the page size of that entry (tlb_hit) */
    uint64_t cr2;       /* has_cr2 */
    struct access_step steps[PAGING_MAX_LEVELS]; /* last: those past nsteps are stale */
};

/* Feeds one event of operation op (1-based; 0 for the boot), the
 * ev_index-th (1-based) of that operation, into *r, the last access so far:
 * an event that begins an access (a TLB lookup, a walk step or EV_ACCESS
 * that belongs to no access in progress, a #GP for a non-canonical address)
 * replaces *r with a new record; one that continues it (walk step, A/D,
 * fill, fault, CR2, EV_ACCESS at the same address) completes it; any other
 * event changes nothing. mode is the machine's paging mode (for the tables'
 * indices and page sizes, from sim/paging.h). Cheap: a switch and a few
 * stores; it runs on every event of a tracked replay. Can't fail. */
void access_feed(struct access_record *r, enum paging_mode mode, uint64_t op, uint64_t ev_index,
                 const struct event *ev);

/* True when the TLB served the access without a walk: a hit, no walk. */
static inline bool access_served_by_tlb(const struct access_record *r)
{
    return r->valid && r->tlb_hit && r->nsteps == 0 && !r->faulted;
}

/* True when the TLB held an entry for the page that could not serve the
 * access (its rights, or a write through an entry whose cached D is clear),
 * so the MMU walked the tables again (SDM 4.8, 4.10.2.3). */
static inline bool access_rewalked(const struct access_record *r)
{
    return r->valid && r->tlb_hit && r->nsteps > 0;
}

/* True when the access was served by a TLB entry (access_served_by_tlb) that
 * disagrees with the tables in RAM of m now: the entry is still cached (the
 * same page size and frame), and a side-effect-free probe of the same
 * address, access and privilege (machine_probe) faults or reaches another
 * physical address. An entry dropped since (INVLPG, a flush, a #PF) makes
 * it false: it was right when it served, as far as now can tell. *now
 * receives the probe's result whenever r is a served hit (else it is
 * zeroed), so a view can show what the tables say. Changes nothing. Can't
 * fail. */
bool access_stale(const struct access_record *r, const struct machine *m, struct mmu_result *now);

#endif
