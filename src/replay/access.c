/*
 * access.c - the last memory access, rebuilt event by event (access.h).
 *
 * Each event either begins a record, continues the one in progress, or is
 * none of its business. What continues an access is what the MMU emits
 * inside one mmu_translate() (mmu.c) and what the machine emits right after
 * it (EV_ACCESS, machine.c): a walk step at the same address one level
 * deeper than the last, A/D written into an entry the walk read, the fill,
 * the fault and CR2. The tables' indices and page sizes come from
 * sim/paging.h (the mode's row), never from shifts of our own.
 */
#include "replay/access.h"

#include <string.h>

#include "sim/cpu.h"
#include "sim/tlb.h"
#include "sim/x86.h"

/* A new record for an access that begins with the ev_index-th event of op. */
static void begin(struct access_record *r, enum paging_mode mode, uint64_t op, uint64_t ev_index,
                  uint64_t va)
{
    /* Field by field: the steps past nsteps are never read, and a memset
     * of the rest became a slow `rep stos` (this runs on every TLB lookup
     * of a tracked replay). */
    r->program = false;
    r->kind_known = false;
    r->user = false;
    r->access = MMU_READ;
    r->tlb_looked = false;
    r->tlb_hit = false;
    r->filled = false;
    r->has_pa = false;
    r->faulted = false;
    r->has_cr2 = false;
    r->vector = 0;
    r->reason = 0;
    r->nsteps = 0;
    r->error_code = 0;
    r->size = 0;
    r->pa = 0;
    r->page_size = 0;
    r->tlb_pa = 0;
    r->tlb_size = 0;
    r->cr2 = 0;
    r->valid = true;
    r->mode = (uint8_t)mode;
    r->op = op;
    r->first_ev = ev_index;
    r->ev = ev_index;
    r->va = va;
}

/* True when r is an access of op still in progress at address va: no fault,
 * no program bytes yet. */
static bool open_at(const struct access_record *r, uint64_t op, uint64_t va)
{
    return r->valid && r->op == op && !r->faulted && !r->program && r->va == va;
}

/* The depth of level lvl in mode's walk; -1 when the mode has none. */
static int depth_of(enum paging_mode mode, unsigned lvl)
{
    const struct paging_geom *g = paging_geom(mode);
    return g != NULL ? paging_depth(g, (enum walk_level)lvl) : -1;
}

/* EV_WALK_STEP: the entry as read. A step that is not one level below the
 * last one of the access in progress begins a new access (a walk with no
 * TLB to ask). */
static void walk_step(struct access_record *r, enum paging_mode mode, uint64_t op,
                      uint64_t ev_index, const struct event *ev)
{
    int d = depth_of(mode, ev->level);
    bool cont = open_at(r, op, ev->va) && !r->filled && r->nsteps < PAGING_MAX_LEVELS &&
                (r->nsteps == 0 ? d <= 0 : depth_of(mode, r->steps[r->nsteps - 1].level) + 1 == d);
    if (!cont)
        begin(r, mode, op, ev_index, ev->va);
    if (r->nsteps == 0) {
        /* A hit whose entry could not serve: the walk decides the result. */
        r->has_pa = false;
        r->page_size = 0;
    }
    struct access_step *s = &r->steps[r->nsteps++];
    s->level = ev->level;
    s->entry_addr = ev->pa;
    s->entry = ev->old;
    s->written = ev->old;
    const struct paging_geom *g = paging_geom(mode);
    if (g != NULL && d >= 0) {
        unsigned index = paging_index(g, (unsigned)d, ev->va);
        s->index = (uint16_t)index;
        s->table = ev->pa - (uint64_t)g->entry_bytes * index;
        if ((ev->old & X86_PTE_P) && paging_is_leaf(g, (unsigned)d, ev->old))
            r->page_size = paging_span(g, (unsigned)d);
    } else {
        s->table = ev->pa & ~(X86_PAGE_SIZE - 1);
        s->index = 0;
    }
    r->ev = ev_index;
}

/* EV_AD_SET: the value written back into an entry the walk read. */
static void ad_set(struct access_record *r, uint64_t op, uint64_t ev_index, const struct event *ev)
{
    if (!open_at(r, op, ev->va))
        return;
    for (unsigned i = r->nsteps; i-- > 0;) {
        if (r->steps[i].entry_addr == ev->pa) {
            r->steps[i].written = ev->new;
            if ((ev->new & ~ev->old) & X86_PTE_D) {
                r->access = MMU_WRITE; /* D is set only for a write (SDM 4.8) */
                r->kind_known = true;
            }
            r->ev = ev_index;
            return;
        }
    }
}

/* EV_FAULT: a #PF ends the walk in progress; a #GP for a non-canonical
 * address is an access of its own (no lookup, no walk). */
static void fault(struct access_record *r, enum paging_mode mode, uint64_t op, uint64_t ev_index,
                  const struct event *ev)
{
    if (ev->reason == FAULT_NONE)
        return; /* a refused control-register write: no access */
    if (ev->extra != X86_VEC_PF || !open_at(r, op, ev->va))
        begin(r, mode, op, ev_index, ev->va);
    r->faulted = true;
    r->has_pa = false;
    r->vector = (uint8_t)ev->extra;
    r->reason = (uint8_t)ev->reason;
    r->error_code = ev->code;
    if (r->vector == X86_VEC_PF) {
        r->user = (ev->code & X86_PF_U) != 0;
        r->access = (ev->code & X86_PF_W)    ? MMU_WRITE
                    : (ev->code & X86_PF_ID) ? MMU_EXEC
                                             : MMU_READ;
        r->kind_known = true;
    }
    r->ev = ev_index;
}

/* EV_ACCESS: the program's bytes, after the translation that served them
 * (or alone, with paging off). */
static void program_access(struct access_record *r, enum paging_mode mode, uint64_t op,
                           uint64_t ev_index, const struct event *ev)
{
    if (!open_at(r, op, ev->va))
        begin(r, mode, op, ev_index, ev->va);
    r->program = true;
    r->kind_known = true;
    r->access = (uint8_t)ev->extra;
    r->user = ev->code == 3;
    r->size = ev->size;
    r->pa = ev->pa;
    r->has_pa = true;
    r->ev = ev_index;
}

void access_feed(struct access_record *r, enum paging_mode mode, uint64_t op, uint64_t ev_index,
                 const struct event *ev)
{
    switch (ev->kind) {
    case EV_TLB_HIT:
        begin(r, mode, op, ev_index, ev->va);
        r->tlb_looked = true;
        r->tlb_hit = true;
        r->tlb_pa = ev->pa;
        r->tlb_size = ev->size;
        r->has_pa = true;
        r->pa = ev->pa;
        r->page_size = ev->size;
        break;
    case EV_TLB_MISS:
        begin(r, mode, op, ev_index, ev->va);
        r->tlb_looked = true;
        break;
    case EV_WALK_STEP:
        walk_step(r, mode, op, ev_index, ev);
        break;
    case EV_AD_SET:
        ad_set(r, op, ev_index, ev);
        break;
    case EV_TLB_EVICT:
        if (r->valid && r->op == op && r->nsteps > 0 && !r->filled && !r->faulted)
            r->ev = ev_index;
        break;
    case EV_TLB_FILL:
        if (r->valid && r->op == op && r->nsteps > 0 && !r->filled && !r->faulted &&
            ev->size != 0 && (r->va & ~(ev->size - 1)) == ev->va) {
            r->filled = true;
            r->has_pa = true;
            r->page_size = ev->size;
            r->pa = ev->pa | (r->va & (ev->size - 1));
            r->ev = ev_index;
        }
        break;
    case EV_FAULT:
        fault(r, mode, op, ev_index, ev);
        break;
    case EV_CR_WRITE:
        if (ev->reg == CPU_CR2 && r->valid && r->op == op && r->faulted &&
            r->vector == X86_VEC_PF && !r->has_cr2) {
            r->has_cr2 = true;
            r->cr2 = ev->new;
            r->ev = ev_index;
        }
        break;
    case EV_ACCESS:
        program_access(r, mode, op, ev_index, ev);
        break;
    case EV_FRAME_ALLOC:
    case EV_FRAME_FREE:
    case EV_FRAME_CLAIM:
    case EV_TABLE_ALLOC:
    case EV_TABLE_FREE:
    case EV_ENTRY_WRITE:
    case EV_TLB_FLUSH:
    case EV_TLB_INVLPG:
    case EV_PAGE_MAP:
    case EV_PAGE_UNMAP:
    case EV_BLOCK_ALLOC:
    case EV_BLOCK_SPLIT:
    case EV_BLOCK_COALESCE:
    case EV_BLOCK_FREE:
    case EV_BLOCK_MOVE:
    case EV_HEAP_GROW:
    case EV_HEAP_SHRINK:
    case EV_DIAG:
    case EV_ALLOC_FAIL:
    case EV_KIND_COUNT:
    default:
        break;
    }
}

bool access_stale(const struct access_record *r, const struct machine *m, struct mmu_result *now)
{
    memset(now, 0, sizeof *now);
    if (!access_served_by_tlb(r))
        return false;
    enum mmu_access acc = r->kind_known ? (enum mmu_access)r->access : MMU_READ;
    bool ok = machine_probe(m, r->va, acc, r->user, now);
    /* Only while the entry that served it is still cached: an entry the
     * kernel has dropped since (INVLPG after an unmap) was right when it
     * served, and the tables' later change says nothing against it. */
    const struct tlb_entry *e = tlb_peek(machine_tlb(m), r->va);
    if (e == NULL || !e->valid || (UINT64_C(1) << e->shift) != r->tlb_size ||
        (e->pa | (r->va & (r->tlb_size - 1))) != r->tlb_pa)
        return false;
    return !ok || now->pa != r->tlb_pa;
}
