/*
 * view_heap.h - the Heap view's own state (view_heap.c), public for the
 * test of its allocation (tests/test_ui_state.c), and its search (the `/`
 * prompt of app.c).
 */
#ifndef PAGESIM_UI_VIEW_HEAP_H
#define PAGESIM_UI_VIEW_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/heap.h"

struct ui;

struct heap_state {
    size_t cursor; /* index into chunks */
    struct heap_chunk *chunks;
    size_t cap;         /* room in chunks: grown when a walk finds more */
    struct heap_walk w; /* the last walk (w.n may exceed cap: truncated) */
    bool valid;         /* chunks are the machine's now (reset by every move) */
    char query[64];     /* the last search, for `/` with nothing typed */
    /* The operation that allocated the selected block (0: none found). */
    uint64_t alloc_op, alloc_op_at, alloc_op_id;
};

/* Searches the heap view's chunks for text, from the one after the cursor
 * round to the cursor: a block whose id contains text (case ignored), or,
 * when text is a number, the chunk holding that address (payload or
 * chunk). Empty text repeats the last search. Moves the cursor there and
 * writes what happened into note (len bytes). */
void view_heap_search(struct ui *ui, const char *text, char *note, size_t len);

#endif
