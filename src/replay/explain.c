/*
 * explain.c - the explanation of one translation (see explain.h).
 */
#include "replay/explain.h"

#include "sim/paging.h"
#include "sim/x86.h"

bool explain_has_rights(enum paging_mode p, enum walk_level lvl)
{
    const struct paging_geom *g = paging_geom(p);
    return !(g != NULL && g->pdpte_regs && lvl == g->lv[0].level);
}

/* The steps from first on whose entry has (e & mask) == want. */
static unsigned steps_where(const struct explain *e, const struct mmu_result *r, uint64_t mask,
                            uint64_t want)
{
    unsigned m = 0;
    for (unsigned i = e->first; i < e->nsteps; i++) {
        if ((r->steps[i].entry & mask) == want)
            m |= 1u << i;
    }
    return m;
}

void explain_translation(enum paging_mode p, unsigned maxphyaddr, bool ok,
                         const struct mmu_result *r, struct explain *out)
{
    *out = (struct explain){0};
    out->outcome = ok ? EXPLAIN_ADDR : r->fault.vector == X86_VEC_GP ? EXPLAIN_GP : EXPLAIN_PF;
    out->nsteps = r->nsteps < PAGING_MAX_LEVELS ? r->nsteps : PAGING_MAX_LEVELS;
    out->first =
        out->nsteps > 0 && !explain_has_rights(p, (enum walk_level)(r->steps[0].level & 3)) ? 1 : 0;
    out->rw_bits = steps_where(out, r, X86_PTE_RW, X86_PTE_RW);
    out->us_bits = steps_where(out, r, X86_PTE_US, X86_PTE_US);
    out->xd_bits = steps_where(out, r, X86_PTE_XD, X86_PTE_XD);
    unsigned all =
        out->nsteps >= out->first ? ((1u << out->nsteps) - 1) & ~((1u << out->first) - 1) : 0;
    out->rw = (out->rw_bits & all) == all;
    out->us = (out->us_bits & all) == all;
    out->xd = out->xd_bits != 0;
    if (ok) {
        uint64_t size = r->page_size != 0 ? r->page_size : X86_PAGE_SIZE;
        out->offset = r->pa & (size - 1);
        out->page_base = r->pa - out->offset;
        while (out->offset_hi < 63 && (UINT64_C(2) << out->offset_hi) <= size - 1)
            out->offset_hi++;
        return;
    }
    switch ((enum fault_reason)r->fault.reason) {
    case FAULT_WRITE_PROTECT:
        out->blamed = all & ~out->rw_bits;
        break;
    case FAULT_USER_SUPERVISOR:
        out->blamed = all & ~out->us_bits;
        break;
    case FAULT_EXECUTE_DISABLE:
        out->blamed = out->xd_bits;
        break;
    case FAULT_RESERVED_BIT:
        out->rsvd_high = paging_geom(p)->entry_bytes == 8 && r->nsteps > 0 &&
                         (r->steps[r->nsteps - 1].entry & x86_rsvd_high_mask(maxphyaddr)) != 0;
        break;
    case FAULT_NONE:
    case FAULT_NOT_PRESENT:
    case FAULT_NON_CANONICAL:
        break;
    }
}

void explain_error_code_bits(struct strbuf *s, uint32_t ec)
{
    strbuf_printf(s, "P=%u W/R=%u U/S=%u RSVD=%u I/D=%u", (ec & X86_PF_P) != 0,
                  (ec & X86_PF_W) != 0, (ec & X86_PF_U) != 0, (ec & X86_PF_RSVD) != 0,
                  (ec & X86_PF_ID) != 0);
}
