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

static int by_va(const void *a, const void *b)
{
    const struct ui_block *x = a, *y = b;
    if (x->va != y->va)
        return x->va < y->va ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void collect(struct ui *ui)
{
    uint64_t pos = timeline_pos(ui->tl);
    if (ui->blocks_valid && ui->blocks_pos == pos)
        return;
    ui->nblocks = 0;
    const struct machine *m = ui_machine(ui);
    for (uint32_t id = 0; id < ui->trace->nids; id++) {
        struct machine_block b;
        if (!machine_block(m, id, &b))
            continue;
        if (ui->nblocks == ui->blocks_cap)
            break; /* cannot happen: ui_state_init made room for every id */
        ui->blocks[ui->nblocks++] = (struct ui_block){id, b.va, b.size, b.live};
    }
    if (ui->nblocks > 1)
        qsort(ui->blocks, ui->nblocks, sizeof *ui->blocks, by_va);
    ui->blocks_pos = pos;
    ui->blocks_valid = true;
    if (ui->hp_cursor >= ui->nblocks)
        ui->hp_cursor = ui->nblocks ? ui->nblocks - 1 : 0;
}

static size_t top_of(const struct ui *ui, int rows)
{
    size_t top = ui->hp_cursor >= (size_t)rows / 2 ? ui->hp_cursor - (size_t)rows / 2 : 0;
    if (ui->nblocks > (size_t)rows && top > ui->nblocks - (size_t)rows)
        top = ui->nblocks - (size_t)rows;
    if (ui->nblocks <= (size_t)rows)
        top = 0;
    return top;
}

void view_heap_draw(struct ui *ui, const struct ui_rect *r, bool focused)
{
    ui_paint_title(r, ui_view_title(VIEW_HEAP), focused);
    collect(ui);
    struct machine_stats ms = machine_stats(ui_machine(ui));
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_NORMAL, "live blocks %" PRIu64 ", %" PRIu64 " bytes (peak %" PRIu64 ")",
            ms.live_blocks, ms.live_bytes, ms.peak_live_bytes);
    if (ms.failed_allocs)
        fmt_put(&l, UI_FAULT, "  failed allocs %" PRIu64, ms.failed_allocs);
    ui_paint_line(r, 1, &l);
    fmt_line_clear(&l);
    fmt_put(&l, UI_DIM, "%-12s %-16s %10s %-5s pages -> frames", "id", "address", "size", "state");
    ui_paint_line(r, 2, &l);
    int rows = r->h - 3;
    if (ui->nblocks == 0) {
        fmt_line_clear(&l);
        fmt_put(&l, UI_DIM, "no block allocated yet");
        ui_paint_line(r, 3, &l);
        ui_clear_rows(r, 4);
        return;
    }
    int y = 3;
    for (size_t k = top_of(ui, rows); k < ui->nblocks && y < r->h; k++, y++) {
        const struct ui_block *b = &ui->blocks[k];
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
        if (k == ui->hp_cursor)
            fmt_recolor(&l, 0, focused ? UI_CURSOR : role);
        ui_paint_line(r, y, &l);
    }
    ui_clear_rows(r, y);
}

bool view_heap_key(struct ui *ui, enum ui_action a)
{
    collect(ui);
    size_t n = ui->nblocks;
    switch ((int)a) {
    case ACT_UP:
        ui->hp_cursor = ui->hp_cursor ? ui->hp_cursor - 1 : 0;
        return true;
    case ACT_DOWN:
        ui->hp_cursor = ui->hp_cursor + 1 < n ? ui->hp_cursor + 1 : ui->hp_cursor;
        return true;
    case ACT_PAGE_UP:
        ui->hp_cursor = ui->hp_cursor > 16 ? ui->hp_cursor - 16 : 0;
        return true;
    case ACT_PAGE_DOWN:
        ui->hp_cursor = ui->hp_cursor + 16 < n ? ui->hp_cursor + 16 : (n ? n - 1 : 0);
        return true;
    default:
        return false;
    }
}

void view_heap_click(struct ui *ui, const struct ui_rect *r, int y, int x)
{
    (void)x;
    collect(ui);
    if (y < 3)
        return;
    size_t k = top_of(ui, r->h - 3) + (size_t)(y - 3);
    if (k < ui->nblocks)
        ui->hp_cursor = k;
}
