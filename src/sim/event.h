/*
 * event.h - the machine's micro-steps, as small value structs.
 *
 * Every module of sim/ reports what it does ("PFA gave frame 0x107", "PDE 832
 * written", "TLB miss", "#PF err=0x2 CR2=0xd0001000") to an event sink the
 * caller provides: one callback and a context pointer, as ncdu's dir_output.
 * A NULL sink, or a sink whose emit is NULL, means nobody listens; emitting
 * then costs one test. sim/ never formats or prints events: replay/ logs
 * them, cli/ and ui/ put them into words.
 *
 * Each event is emitted right after the change it describes, so that a
 * replay stopped right after it (replay --at N.E, which longjmps out of the
 * operation from the sink) shows that change and nothing after it: the
 * bytemap at EV_FRAME_ALLOC, the entry in RAM at EV_ENTRY_WRITE and
 * EV_AD_SET, the register at EV_CR_WRITE, the TLB at EV_TLB_*. A sink may
 * longjmp out of a sim/ call: nothing here holds a host resource across an
 * emit. The heap's EV_HEAP_GROW, EV_HEAP_SHRINK, EV_BLOCK_FREE and a free's
 * EV_BLOCK_COALESCE announce a step whose changes are the events after them.
 */
#ifndef PAGESIM_SIM_EVENT_H
#define PAGESIM_SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

enum event_kind {
    EV_FRAME_ALLOC, /* pfa gave frame: pa = frame address, extra = role */
    EV_FRAME_FREE,  /* pfa took frame back: pa */
    EV_FRAME_CLAIM, /* a specific frame claimed (device memory): pa, extra = role */
    EV_TABLE_ALLOC, /* a paging structure allocated: pa, level = walk level it serves */
    EV_TABLE_FREE,  /* an emptied paging structure given back: pa, level */
    EV_ENTRY_WRITE, /* a paging-structure entry written by software: level, pa = entry
                         address, va = first linear address it covers, old, new */
    EV_CR_WRITE,    /* control register written: reg = enum cpu_reg, old, new */
    EV_TLB_HIT,     /* va, pa (translated), size = page size */
    EV_TLB_MISS,    /* va */
    EV_TLB_FILL,    /* va = page base, pa = frame base, size = page size */
    EV_TLB_EVICT,   /* va = page base of the evicted entry, pa */
    EV_TLB_FLUSH,   /* extra = 1 when global entries were kept, count = entries dropped */
    EV_TLB_INVLPG,  /* va, count = entries dropped */
    EV_WALK_STEP,   /* level, pa = entry address, va, old = entry value */
    EV_AD_SET,      /* level, pa = entry address, old, new (A and/or D set by the walk) */
    EV_FAULT,    /* va, extra = vector (13 or 14), code = error code, reason = enum fault_reason */
    EV_ACCESS,   /* va, pa, size = bytes, extra = enum mmu_access, code = CPL (3: user) */
    EV_PAGE_MAP, /* vmm mapped va -> pa, size = page size, new = leaf entry */
    EV_PAGE_UNMAP,     /* vmm unmapped va (was pa) */
    EV_BLOCK_ALLOC,    /* heap: id, va = block address, size = requested bytes */
    EV_BLOCK_SPLIT,    /* heap: va = remainder address, size = remainder bytes */
    EV_BLOCK_COALESCE, /* heap: va = merged block address, size = merged bytes */
    EV_BLOCK_FREE,     /* heap: id, va, size */
    EV_BLOCK_MOVE,     /* heap realloc moved: id, old = old address, new = new address, size */
    EV_HEAP_GROW,      /* heap asks the vmm for pages (before it maps): va, size = bytes */
    EV_HEAP_SHRINK,    /* heap gives pages back (before the unmap): va, size = bytes */
    EV_DIAG,           /* program misbehaviour: extra = enum diag_kind, id, va */
    EV_ALLOC_FAIL,     /* an allocation returned null: id, size */
    EV_KIND_COUNT      /* the number of the machine's kinds: sim emits none past them */
};

/* One micro-step. Which fields mean something depends on the kind (above). */
struct event {
    enum event_kind kind;
    uint8_t level;   /* enum walk_level, for table and entry events */
    uint8_t reg;     /* enum cpu_reg, for EV_CR_WRITE */
    uint16_t reason; /* enum fault_reason, for EV_FAULT */
    uint32_t code;   /* error code, for EV_FAULT */
    uint32_t id;     /* block id, for heap events and diagnostics */
    uint64_t va;
    uint64_t pa;
    uint64_t old;
    uint64_t new;
    uint64_t size;
    uint64_t count;
    uint64_t extra;
};

struct event_sink {
    void (*emit)(void *ctx, const struct event *ev);
    void *ctx;
};

/* Hands ev to the sink, if anybody listens. Can't fail. */
static inline void event_emit(const struct event_sink *sink, const struct event *ev)
{
    if (sink != NULL && sink->emit != NULL)
        sink->emit(sink->ctx, ev);
}

/* True when emitting would reach a listener: lets hot paths skip building events. */
static inline int event_listening(const struct event_sink *sink)
{
    return sink != NULL && sink->emit != NULL;
}

/* Hands sink an event about a paging-structure entry (EV_WALK_STEP,
 * EV_AD_SET, EV_ENTRY_WRITE): level, va, pa = the entry's address, its old
 * and new values; every other field 0. The MMU's walk and the VMM's writes
 * build them here. */
static inline void event_emit_entry(const struct event_sink *sink, enum event_kind k, uint8_t level,
                                    uint64_t va, uint64_t ea, uint64_t old, uint64_t e)
{
    struct event ev = {0};
    ev.kind = k;
    ev.level = level;
    ev.va = va;
    ev.pa = ea;
    ev.old = old;
    ev.new = e;
    event_emit(sink, &ev);
}

#endif
