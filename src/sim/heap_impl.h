/*
 * heap_impl.h - the heap's private state, shared by heap.c (the allocator)
 * and heap_walk.c (the side-effect-free walker the views read). Nothing
 * outside src/sim/heap*.c includes it.
 */
#ifndef PAGESIM_SIM_HEAP_IMPL_H
#define PAGESIM_SIM_HEAP_IMPL_H

#include <stdint.h>

#include "heap.h"
#include "mmu.h"

/* Every scalar of the heap (all uint64_t: no padding). */
struct heap_scalars {
    uint64_t brk;            /* end of the mapped small heap; == base when empty */
    uint64_t end_prev_alloc; /* the chunk ending at brk is allocated (or there is none) */
    uint64_t nfree;
    uint64_t large_blocks;
    uint64_t grows, shrinks, splits, coalesces, moves, corruptions, meta_faults;
};

struct heap {
    struct heap_parts p;
    uint64_t threshold;
    uint64_t base, end; /* the small-block region */
    struct heap_scalars s;
    struct mmu_memo memo; /* the metadata's recent translations */
};

#endif
