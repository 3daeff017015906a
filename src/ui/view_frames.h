/*
 * view_frames.h - the Frames view's own state (view_frames.c), public for
 * the render benchmark, which moves the cursor and drops the cache.
 */
#ifndef PAGESIM_UI_VIEW_FRAMES_H
#define PAGESIM_UI_VIEW_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frames_state {
    uint64_t cursor; /* frame number */
    uint64_t top;    /* first frame of the top row */
    unsigned zoom;   /* frames per cell = 1 << zoom */
    bool fit;        /* zoom chosen to fit all of RAM */
    uint64_t cols;   /* cells per row at the last format */
    /* The cursor frame's reverse map, cached for (rev_pfn, rev_pos). */
    uint64_t rev_pfn, rev_pos;
    bool rev_valid;
    size_t rev_n;
    uint64_t rev_va[8];
    uint8_t rev_kind[8]; /* 0: page mapped at va; 1+lvl: table for entry at va */
    bool rev_more;
};

#endif
