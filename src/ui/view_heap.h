/*
 * view_heap.h - the Heap view's own state (view_heap.c), public for the
 * test of its allocation (tests/test_ui_state.c).
 */
#ifndef PAGESIM_UI_VIEW_HEAP_H
#define PAGESIM_UI_VIEW_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A live or freed block of the program. */
struct heap_block {
    uint32_t id;
    uint64_t va, size;
    bool live;
};

struct heap_state {
    size_t cursor; /* index into blocks */
    struct heap_block *blocks;
    size_t nblocks, cap; /* room for one block per id of the trace */
    uint64_t pos;        /* the operation blocks were collected at */
    bool valid;
};

#endif
