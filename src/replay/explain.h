/*
 * explain.h - the explanation of one translation, worked out once (SDM
 * Vol. 3A ch. 4) for both quizzes: `pagesim quiz` (replay/quiz.c, its text
 * and --json) and the visualizer's quiz mode (ui/quiz_ui.c). Each words it
 * its own way; what is true of the walk is decided here:
 * - the outcome: a physical address, #PF or #GP;
 * - a translation is the page's base plus the offset, the address bits
 *   below the page size, which paging never changes (4.3-4.5);
 * - rights combine over every level that carries them (4.6): R/W and U/S
 *   are ANDed, XD is ORed; a PAE PDPTE carries none (4.4.1);
 * - which levels a protection fault is to be blamed on, and whether a
 *   reserved-bit fault comes from bits above MAXPHYADDR (4.7).
 * Pure: no machine, no state.
 */
#ifndef PAGESIM_REPLAY_EXPLAIN_H
#define PAGESIM_REPLAY_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "replay/strbuf.h"
#include "sim/machine.h"
#include "sim/mmu.h"

enum explain_outcome {
    EXPLAIN_ADDR, /* translated to a physical address */
    EXPLAIN_PF,   /* page fault (#PF, vector 14) */
    EXPLAIN_GP,   /* general-protection fault (#GP(0), vector 13) */
};

struct explain {
    enum explain_outcome outcome;
    /* EXPLAIN_ADDR: pa = page_base + offset, the offset being bits
     * offset_hi:0 of the linear address. */
    uint64_t page_base, offset;
    unsigned offset_hi;
    /* Rights over the levels: the steps [first, nsteps) carry R/W, U/S and
     * XD (first is 1 after a PAE PDPTE). Bit i of a mask is step i. */
    unsigned first, nsteps;
    unsigned rw_bits, us_bits, xd_bits; /* the step's entry has R/W=1, U/S=1, XD=1 */
    unsigned rw, us, xd;                /* R/W and U/S ANDed, XD ORed (0 or 1) */
    /* A protection fault: the steps to blame (R/W=0 for a write, U/S=0 for
     * a user access, XD=1 for a fetch); 0 for any other outcome. */
    unsigned blamed;
    /* A reserved-bit fault in a 64-bit entry with bits above MAXPHYADDR. */
    bool rsvd_high;
};

/* Works out the explanation of the walk r (ok: it translated) in paging
 * mode p with MAXPHYADDR maxphyaddr. Can't fail. */
void explain_translation(enum paging_mode p, unsigned maxphyaddr, bool ok,
                         const struct mmu_result *r, struct explain *out);

/* True when an entry at lvl carries the R/W, U/S (and XD) rights: every
 * entry but a PAE PDPTE (SDM 4.4.1, table 4-8). */
bool explain_has_rights(enum paging_mode p, enum walk_level lvl);

/* "P=1 W/R=1 U/S=0 RSVD=0 I/D=0": the bits of a page-fault error code
 * (SDM 4.7, figure 4-12). */
void explain_error_code_bits(struct strbuf *s, uint32_t ec);

#endif
