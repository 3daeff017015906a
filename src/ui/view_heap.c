/*
 * view_heap.c - the Heap view: the program's blocks in address order (id,
 * address, size, live or freed), the virtual pages each spans and the frames
 * behind them, found by a side-effect-free probe of each page
 * (timeline_translate). Virtually contiguous, physically scattered: the
 * lesson of the seed's six steps. Blocks touched by the current step are
 * highlighted.
 */
#include "ui.h"

#include <inttypes.h>
#include <stdlib.h>

#include "sim/x86.h"
#include "view_heap.h"

static int by_va(const void *a, const void *b)
{
    const struct heap_block *x = a, *y = b;
    if (x->va != y->va)
        return x->va < y->va ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void collect(const struct ui *ui, struct heap_state *hs)
{
    uint64_t pos = timeline_pos(ui->tl);
    if (hs->valid && hs->pos == pos)
        return;
    hs->nblocks = 0;
    const struct machine *m = ui_machine(ui);
    for (uint32_t id = 0; id < ui->trace->nids; id++) {
        struct machine_block b;
        if (!machine_block(m, id, &b))
            continue;
        if (hs->nblocks == hs->cap)
            break; /* cannot happen: ui_state_init made room for every id */
        hs->blocks[hs->nblocks++] = (struct heap_block){id, b.va, b.size, b.live};
    }
    if (hs->nblocks > 1)
        qsort(hs->blocks, hs->nblocks, sizeof *hs->blocks, by_va);
    hs->pos = pos;
    hs->valid = true;
    if (hs->cursor >= hs->nblocks)
        hs->cursor = hs->nblocks ? hs->nblocks - 1 : 0;
}

static size_t top_of(const struct heap_state *hs, int rows)
{
    size_t top = hs->cursor >= (size_t)rows / 2 ? hs->cursor - (size_t)rows / 2 : 0;
    if (hs->nblocks > (size_t)rows && top > hs->nblocks - (size_t)rows)
        top = hs->nblocks - (size_t)rows;
    if (hs->nblocks <= (size_t)rows)
        top = 0;
    return top;
}

static void heap_format(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                        struct view_rows *out)
{
    struct heap_state *hs = st;
    collect(ui, hs);
    struct machine_stats ms = machine_stats(ui_machine(ui));
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "live blocks %" PRIu64 ", %" PRIu64 " bytes (peak %" PRIu64 ")",
            ms.live_blocks, ms.live_bytes, ms.peak_live_bytes);
    if (ms.failed_allocs)
        fmt_put(&l, UI_FAULT, "  failed allocs %" PRIu64, ms.failed_allocs);
    view_put(out, 1, &l);
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "%-12s %-16s %10s %-5s pages -> frames", "id", "address", "size", "state");
    view_put(out, 2, &l);
    int rows = r->h - 3;
    if (hs->nblocks == 0) {
        fmt_line_clear(&l);
        fmt_put(&l, UI_DIM, "no block allocated yet");
        view_put(out, 3, &l);
        return;
    }
    int y = 3;
    for (size_t k = top_of(hs, rows); k < hs->nblocks && y < r->h; k++, y++) {
        const struct heap_block *b = &hs->blocks[k];
        bool hot = ui_touched_va(ui, b->va);
        enum ui_role role = hot ? UI_CHANGED : b->live ? UI_PRESENT : UI_DIM;
        fmt_line_clear(&l);
        fmt_put(&l, role, "%-12.12s %16" PRIx64 " %10" PRIu64 " %-5s ",
                trace_id_name(ui->trace, b->id), b->va, b->size, b->live ? "used" : "free");
        uint64_t first = b->va >> X86_PAGE_SHIFT;
        uint64_t last = b->size ? (b->va + b->size - 1) >> X86_PAGE_SHIFT : first;
        fmt_put(&l, UI_NORMAL, "%" PRIx64, first);
        if (last != first)
            fmt_put(&l, UI_NORMAL, "-%" PRIx64, last);
        fmt_put(&l, UI_NORMAL, " ->");
        for (uint64_t p = first; p <= last && p < first + 4; p++) {
            struct timeline_probe pr;
            timeline_translate(ui->tl, p << X86_PAGE_SHIFT, MMU_READ, false, &pr);
            if (pr.ok)
                fmt_put(&l, UI_FRAME_HEAP, " %" PRIx64, pr.res.pa >> X86_PAGE_SHIFT);
            else
                fmt_put(&l, UI_NOTPRESENT, " -");
        }
        if (last >= first + 4)
            fmt_put(&l, UI_DIM, " ...");
        if (k == hs->cursor)
            fmt_recolor(&l, 0, focused ? UI_CURSOR : role);
        view_put(out, y, &l);
    }
}

static bool heap_key(struct ui *ui, void *st, enum ui_action a)
{
    struct heap_state *hs = st;
    collect(ui, hs);
    size_t n = hs->nblocks;
    switch ((int)a) {
    case ACT_UP:
        hs->cursor = hs->cursor ? hs->cursor - 1 : 0;
        return true;
    case ACT_DOWN:
        hs->cursor = hs->cursor + 1 < n ? hs->cursor + 1 : hs->cursor;
        return true;
    case ACT_PAGE_UP:
        hs->cursor = hs->cursor > 16 ? hs->cursor - 16 : 0;
        return true;
    case ACT_PAGE_DOWN:
        hs->cursor = hs->cursor + 16 < n ? hs->cursor + 16 : (n ? n - 1 : 0);
        return true;
    case ACT_TOP:
        hs->cursor = 0;
        return true;
    case ACT_BOTTOM:
        hs->cursor = n ? n - 1 : 0;
        return true;
    default:
        return false;
    }
}

static void heap_click(const struct ui *ui, void *st, const struct ui_rect *r, int y, int x)
{
    (void)x;
    struct heap_state *hs = st;
    collect(ui, hs);
    if (y < 3)
        return;
    size_t k = top_of(hs, r->h - 3) + (size_t)(y - 3);
    if (k < hs->nblocks)
        hs->cursor = k;
}

/* Room for one block per id of the trace, now, so that formatting never
 * allocates (nor fails). */
static bool heap_init(const struct ui *ui, void *st)
{
    struct heap_state *hs = st;
    size_t cap = ui->trace->nids > 0 ? ui->trace->nids : 1;
    hs->blocks = calloc(cap, sizeof *hs->blocks);
    if (hs->blocks == NULL)
        return false;
    hs->cap = cap;
    return true;
}

static void heap_free(void *st)
{
    struct heap_state *hs = st;
    free(hs->blocks);
    hs->blocks = NULL;
    hs->nblocks = hs->cap = 0;
}

static void heap_moved(const struct ui *ui, void *st)
{
    (void)ui;
    struct heap_state *hs = st;
    hs->valid = false;
}

const struct view view_heap = {
    .title = "5 Heap",
    .state_size = sizeof(struct heap_state),
    .format = heap_format,
    .key = heap_key,
    .click = heap_click,
    .moved = heap_moved,
    .init = heap_init,
    .free = heap_free,
};
