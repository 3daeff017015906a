/*
 * paint.c - the state the views share and the thin painting layer: a
 * formatted row (fmt.h) becomes runs of characters with their role's
 * attributes (theme.c); view.c paints every view's rows through it. Also what the current step touched, derived from
 * the events of the operation (sim/event.h), for the highlights of every
 * view.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

#include "replay/steps.h"
#include "sim/cpu.h"
#include "sim/x86.h"
#include "theme.h"

bool ui_state_init(struct ui *ui, struct timeline *tl, const char *name)
{
    memset(ui, 0, sizeof *ui);
    ui->tl = tl;
    ui->trace = timeline_trace(tl);
    ui->name = name;
    const struct machine *m = timeline_machine(tl);
    const struct machine_config *cfg = machine_config(m);
    ui->mode = fmt_mode_of(cfg->paging);
    ui->maxphyaddr = machine_cpu(m)->maxphyaddr;
    ui->play.speed = 10;
    ui->focus = VIEW_FRAMES;
    /* Everything a redraw needs is allocated now, so that drawing never
     * allocates (nor fails): each view's state (the heap view's list of
     * blocks has room for every id of the trace). */
    for (int v = 0; v < VIEW_COUNT; v++) {
        const struct view *vw = ui_views[v];
        ui->view_state[v] = calloc(1, vw->state_size > 0 ? vw->state_size : 1);
        if (ui->view_state[v] == NULL || (vw->init != NULL && !vw->init(ui, ui->view_state[v])))
            return false;
    }
    ui_after_move(ui);
    return true;
}

void ui_state_free(struct ui *ui)
{
    for (int v = 0; v < VIEW_COUNT; v++) {
        if (ui->view_state[v] != NULL && ui_views[v]->free != NULL)
            ui_views[v]->free(ui->view_state[v]);
        free(ui->view_state[v]);
        ui->view_state[v] = NULL;
    }
}

const struct machine *ui_machine(const struct ui *ui)
{
    return timeline_machine(ui->tl);
}

const char *ui_step_name(const struct ui *ui)
{
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    if (n == 0)
        return NULL;
    uint64_t k = timeline_pos(ui->tl);
    return steps_name(steps_of(k > 0 ? timeline_op(ui->tl, k) : NULL, ev, n - 1));
}

const struct event *ui_events(const struct ui *ui, size_t *n)
{
    const struct event *ev = timeline_events(ui->tl, n);
    if (ui->micro && ui->reveal < *n)
        *n = ui->reveal;
    return ev;
}

static void add(uint64_t *set, size_t *n, uint64_t v)
{
    for (size_t i = 0; i < *n; i++) {
        if (set[i] == v)
            return;
    }
    if (*n < UI_TOUCH_MAX)
        set[(*n)++] = v;
}

static void touch_event(struct ui_touch *t, const struct event *e, bool reads)
{
    switch (e->kind) {
    case EV_FRAME_ALLOC:
    case EV_FRAME_FREE:
    case EV_FRAME_CLAIM:
    case EV_TABLE_ALLOC:
    case EV_TABLE_FREE:
        add(t->frames, &t->nframes, e->pa >> X86_PAGE_SHIFT);
        break;
    case EV_ENTRY_WRITE:
    case EV_AD_SET:
        add(t->entries, &t->nentries, e->pa);
        add(t->frames, &t->nframes, e->pa >> X86_PAGE_SHIFT);
        break;
    case EV_WALK_STEP:
        if (reads) {
            add(t->entries, &t->nentries, e->pa);
            add(t->frames, &t->nframes, e->pa >> X86_PAGE_SHIFT);
        }
        break;
    case EV_ACCESS:
        for (uint64_t p = e->pa >> X86_PAGE_SHIFT;
             e->size > 0 && p <= (e->pa + e->size - 1) >> X86_PAGE_SHIFT; p++)
            add(t->frames, &t->nframes, p);
        add(t->va, &t->nva, e->va >> X86_PAGE_SHIFT);
        break;
    case EV_TLB_FILL:
    case EV_PAGE_MAP:
    case EV_PAGE_UNMAP:
        add(t->frames, &t->nframes, e->pa >> X86_PAGE_SHIFT);
        add(t->va, &t->nva, e->va >> X86_PAGE_SHIFT);
        break;
    case EV_TLB_HIT:
    case EV_TLB_MISS:
    case EV_TLB_INVLPG:
    case EV_FAULT:
    case EV_BLOCK_ALLOC:
    case EV_BLOCK_FREE:
    case EV_BLOCK_SPLIT:
    case EV_BLOCK_COALESCE:
    case EV_HEAP_GROW:
    case EV_HEAP_SHRINK:
        add(t->va, &t->nva, e->va >> X86_PAGE_SHIFT);
        break;
    case EV_BLOCK_MOVE:
        add(t->va, &t->nva, e->new >> X86_PAGE_SHIFT);
        break;
    case EV_TLB_EVICT:
        t->evicted = true;
        t->evict_va = e->va;
        t->evict_pa = e->pa;
        break;
    case EV_CR_WRITE:
    case EV_TLB_FLUSH:
    case EV_DIAG:
    case EV_ALLOC_FAIL:
    case EV_KIND_COUNT: /* a caption (TIMELINE_EV_CAPTION) */
        break;
    }
}

void ui_after_move(struct ui *ui)
{
    struct ui_touch *t = &ui->touch;
    memset(t, 0, sizeof *t);
    size_t n;
    const struct event *ev = ui_events(ui, &n);
    if (ui->micro) {
        if (n > 0)
            touch_event(t, &ev[n - 1], true);
    } else {
        for (size_t i = 0; i < n; i++)
            touch_event(t, &ev[i], false);
    }
    for (int v = 0; v < VIEW_COUNT; v++) {
        if (ui_views[v]->moved != NULL && ui->view_state[v] != NULL)
            ui_views[v]->moved(ui, ui->view_state[v]);
    }
}

static bool in_set(const uint64_t *set, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (set[i] == v)
            return true;
    }
    return false;
}

bool ui_touched_frame(const struct ui *ui, uint64_t pfn)
{
    return in_set(ui->touch.frames, ui->touch.nframes, pfn);
}

bool ui_touched_entry(const struct ui *ui, uint64_t pa)
{
    return in_set(ui->touch.entries, ui->touch.nentries, pa);
}

bool ui_touched_va(const struct ui *ui, uint64_t va)
{
    return in_set(ui->touch.va, ui->touch.nva, va >> X86_PAGE_SHIFT);
}

uint64_t ui_root_table(const struct ui *ui)
{
    const struct cpu *c = machine_cpu(ui_machine(ui));
    return paging_root(ui->mode.g, c->cr3, c->maxphyaddr);
}

/* --- painting ---------------------------------------------------------------- */

void ui_paint_line(const struct ui_rect *r, int y, const struct fmt_line *l)
{
    if (y < 0 || y >= r->h || r->w <= 0)
        return;
    int n = l->len < r->w ? l->len : r->w;
    int x = 0;
    while (x < n) {
        int run = x;
        while (run < n && l->role[run] == l->role[x])
            run++;
        attrset(theme_attr((enum ui_role)l->role[x]));
        mvaddnstr(r->y + y, r->x + x, l->text + x, run - x);
        x = run;
    }
    attrset(A_NORMAL);
    if (n < r->w)
        mvhline(r->y + y, r->x + n, ' ', r->w - n);
}

void ui_paint_title(const struct ui_rect *r, const char *title, bool focused)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, focused ? UI_TITLE : UI_DIM, " %s%s ", title, focused ? " *" : "");
    fmt_fill(&l, focused ? UI_TITLE : UI_DIM, focused ? '=' : '-', r->w - l.len);
    ui_paint_line(r, 0, &l);
}

void ui_clear_rows(const struct ui_rect *r, int y)
{
    attrset(A_NORMAL);
    for (; y < r->h; y++)
        mvhline(r->y + y, r->x, ' ', r->w);
}
