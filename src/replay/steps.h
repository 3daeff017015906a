/*
 * steps.h - which step of the kernel each micro-event belongs to
 * (issue 11, item 2): the seed's path of an allocation, malloc -> VMM ->
 * frame allocator -> map -> carve (malloc asks the VMM for pages, the VMM
 * asks the frame allocator, a frame is found and mapped, the block is carved
 * out of the new memory), or another kernel path (free, unmap, INVLPG, a
 * fault, a control-register write), or the MMU serving the program's own
 * access (TLB, walk, A/D bits).
 *
 * sim/ stays words-free: the step is read here, in the replay layer, from
 * the event's kind and the events before it in the same operation (a TLB
 * miss while malloc searches its free list is "malloc"; the same miss while
 * it writes the new chunk's header after mapping is "carve"). Pure.
 */
#ifndef PAGESIM_REPLAY_STEPS_H
#define PAGESIM_REPLAY_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/event.h"
#include "trace/trace.h"

enum step_kind {
    STEP_BOOT,    /* the machine's boot (op 0) */
    STEP_CAPTION, /* a `say` */
    STEP_MALLOC,  /* 1: malloc/calloc/realloc looks for room in its free lists */
    STEP_VMM,     /* 2: the heap asks the VMM for pages (the heap grows) */
    STEP_PFA,     /* 3: the frame allocator gives a frame (data or page table) */
    STEP_MAP,     /* 4: the VMM writes the paging entries that map it */
    STEP_CARVE,   /* 5: the heap carves the block (headers, split, the block given) */
    STEP_FREE,    /* free: the block back to the free lists, merged */
    STEP_UNMAP,   /* pages given back: entries cleared, frames and tables freed */
    STEP_INVLPG,  /* a TLB entry invalidated */
    STEP_FAULT,   /* a #PF or #GP, and CR2 */
    STEP_MMU,     /* the program's access: TLB lookup, walk, A/D bits, the bytes */
    STEP_PROTECT, /* a protection change written into an entry */
    STEP_CR,      /* a control-register write and its TLB flush */
    STEP_DIAG,    /* a diagnostic: the program did something wrong */
    STEP_COUNT
};

/* A short name: "malloc", "VMM", "frame allocator", "map", "carve", "free",
 * "unmap", "INVLPG", "fault", "MMU", "protect", "CR write", "diagnostic",
 * "boot", "caption". */
const char *steps_name(enum step_kind k);

/* 1..5 for the seed's five steps of an allocation (malloc .. carve), else 0. */
unsigned steps_seed_index(enum step_kind k);

/* Classifies the n events of one operation (op NULL: the boot) into out[0..n). */
void steps_classify(const struct op *op, const struct event *ev, size_t n, enum step_kind *out);

/* The step of event i (0-based) of an operation's events ev[0..i]: O(i). */
enum step_kind steps_of(const struct op *op, const struct event *ev, size_t i);

/* True when the event changes the machine beyond the TLB's hit and miss
 * counters: not a TLB hit or miss, a walk step (a read) or a read/fetch
 * access. Captions count as changes (the screen changes). */
bool steps_is_change(const struct event *ev);

#endif
