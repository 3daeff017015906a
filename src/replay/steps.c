/*
 * steps.c - the step of the kernel each micro-event belongs to (steps.h):
 * a small state machine over one operation's events.
 */
#include "replay/steps.h"

#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/mmu.h"

const char *steps_name(enum step_kind k)
{
    static const char *const names[STEP_COUNT] = {
        [STEP_BOOT] = "boot",       [STEP_CAPTION] = "caption",     [STEP_MALLOC] = "malloc",
        [STEP_VMM] = "VMM",         [STEP_PFA] = "frame allocator", [STEP_MAP] = "map",
        [STEP_CARVE] = "carve",     [STEP_FREE] = "free",           [STEP_UNMAP] = "unmap",
        [STEP_INVLPG] = "INVLPG",   [STEP_FAULT] = "fault",         [STEP_MMU] = "MMU",
        [STEP_PROTECT] = "protect", [STEP_CR] = "CR write",         [STEP_DIAG] = "diagnostic",
    };
    return (unsigned)k < STEP_COUNT ? names[k] : "?";
}

unsigned steps_seed_index(enum step_kind k)
{
    return k >= STEP_MALLOC && k <= STEP_CARVE ? (unsigned)(k - STEP_MALLOC) + 1u : 0u;
}

/* The phase an operation starts in. */
static enum step_kind first_phase(const struct op *op)
{
    if (op == NULL)
        return STEP_BOOT;
    switch ((enum op_kind)op->kind) {
    case OP_MALLOC:
    case OP_CALLOC:
    case OP_REALLOC:
        return STEP_MALLOC;
    case OP_FREE:
        return STEP_FREE;
    case OP_SAY:
        return STEP_CAPTION;
    case OP_PROTECT:
        return STEP_PROTECT;
    case OP_INVLPG:
        return STEP_INVLPG;
    case OP_CR3_RELOAD:
    case OP_CR0_WP:
    case OP_CR4_PGE:
        return STEP_CR;
    case OP_READ:
    case OP_WRITE:
    case OP_EXEC:
    case OP_KIND_COUNT:
    default:
        return STEP_MMU;
    }
}

/* Whether phase p is one of the allocation's way to new memory. */
static bool growing(enum step_kind p)
{
    return p == STEP_VMM || p == STEP_PFA || p == STEP_MAP;
}

/* The step of ev, given the phase so far (updated). */
static enum step_kind classify(enum step_kind *phase, bool *faulted, const struct event *ev)
{
    enum step_kind p = *phase;
    if (p == STEP_BOOT)
        return STEP_BOOT;
    if (timeline_is_caption(ev))
        return STEP_CAPTION;
    switch (ev->kind) {
    case EV_FAULT:
        *faulted = true;
        return STEP_FAULT;
    case EV_CR_WRITE:
        if (*faulted && ev->reg == CPU_CR2)
            return STEP_FAULT;
        return STEP_CR;
    case EV_TLB_FLUSH:
        return STEP_CR;
    case EV_TLB_INVLPG:
        return STEP_INVLPG;
    case EV_DIAG:
        return STEP_DIAG;
    case EV_ALLOC_FAIL:
        return STEP_MALLOC;
    case EV_HEAP_GROW:
        *phase = STEP_VMM;
        return STEP_VMM;
    case EV_FRAME_ALLOC:
    case EV_TABLE_ALLOC:
    case EV_FRAME_CLAIM:
        if (p == STEP_UNMAP)
            return STEP_UNMAP;
        *phase = STEP_PFA;
        return STEP_PFA;
    case EV_ENTRY_WRITE:
    case EV_PAGE_MAP:
        if (p == STEP_PROTECT || p == STEP_UNMAP)
            return p;
        *phase = STEP_MAP;
        return STEP_MAP;
    case EV_HEAP_SHRINK:
    case EV_PAGE_UNMAP:
    case EV_FRAME_FREE:
    case EV_TABLE_FREE:
        *phase = STEP_UNMAP;
        return STEP_UNMAP;
    case EV_BLOCK_FREE:
        *phase = STEP_FREE;
        return STEP_FREE;
    case EV_BLOCK_COALESCE:
        return p == STEP_FREE || p == STEP_UNMAP ? STEP_FREE : STEP_CARVE;
    case EV_BLOCK_SPLIT:
    case EV_BLOCK_MOVE:
        *phase = STEP_CARVE;
        return STEP_CARVE;
    case EV_BLOCK_ALLOC:
        *phase = STEP_MMU; /* what follows is the program's first touch */
        return STEP_CARVE;
    case EV_TLB_HIT:
    case EV_TLB_MISS:
    case EV_TLB_FILL:
    case EV_TLB_EVICT:
    case EV_WALK_STEP:
    case EV_AD_SET:
    case EV_ACCESS:
    case EV_KIND_COUNT:
    default:
        if (growing(p)) /* the heap writes the new chunk's header */
            *phase = p = STEP_CARVE;
        if (p == STEP_UNMAP)
            *phase = p = STEP_FREE;
        return p;
    }
}

void steps_classify(const struct op *op, const struct event *ev, size_t n, enum step_kind *out)
{
    enum step_kind phase = first_phase(op);
    bool faulted = false;
    for (size_t i = 0; i < n; i++)
        out[i] = classify(&phase, &faulted, &ev[i]);
}

enum step_kind steps_of(const struct op *op, const struct event *ev, size_t i)
{
    enum step_kind phase = first_phase(op);
    bool faulted = false;
    enum step_kind k = phase;
    for (size_t j = 0; j <= i; j++)
        k = classify(&phase, &faulted, &ev[j]);
    return k;
}

bool steps_is_change(const struct event *ev)
{
    if (timeline_is_caption(ev))
        return true;
    if (ev->kind == EV_TLB_HIT || ev->kind == EV_TLB_MISS || ev->kind == EV_WALK_STEP)
        return false;
    if (ev->kind == EV_ACCESS)
        return ev->extra == (uint64_t)MMU_WRITE;
    return true;
}
