/*
 * view.c - the table of views and the generic side of every view: a view
 * formats rows (its format function, pure but for its own state), and this
 * file paints them under the pane's title as they come (no copy), blanks
 * the rest, and routes keys and clicks to the view they are for. app.c
 * knows views only through here. ui_format_view collects the rows instead,
 * into the caller's lines (the tests).
 */
#include <string.h>

#include "quiz_ui.h"
#include "ui.h"

const struct view *const ui_views[VIEW_COUNT] = {
    [VIEW_FRAMES] = &view_frames, [VIEW_TABLES] = &view_tables, [VIEW_TRANSLATE] = &view_translate,
    [VIEW_TLB] = &view_tlb,       [VIEW_HEAP] = &view_heap,     [VIEW_LOG] = &view_log,
};

void view_put(struct view_rows *out, int y, const struct fmt_line *l)
{
    int i = y - 1;
    if (i < 0 || i >= out->max)
        return;
    if (out->sink != NULL) {
        out->sink(out->ctx, y, l); /* rows skipped: the painter blanks them */
    } else {
        while (out->n < i)
            fmt_line_clear(&out->line[out->n++]);
        struct fmt_line *d = &out->line[i];
        d->len = l->len;
        memcpy(d->text, l->text, (size_t)l->len + 1);
        memcpy(d->role, l->role, (size_t)l->len);
    }
    if (out->n <= i)
        out->n = i + 1;
}

int ui_format_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused,
                   struct fmt_line *lines, int max)
{
    struct view_rows out = {lines, r->h - 1 < max ? r->h - 1 : max, 0, NULL, NULL};
    if ((unsigned)v >= VIEW_COUNT || out.max <= 0)
        return 0;
    if (quiz_ui_hides_view(ui, (int)v))
        quiz_ui_hidden_rows(&out); /* it could give the open question's answer away */
    else
        ui_views[v]->format(ui, ui->view_state[v], r, focused, &out);
    return out.n;
}

/* Where the rows of a view being drawn go: onto the screen at once. */
struct paint_ctx {
    const struct ui_rect *r;
    int next; /* the first row not painted yet */
};

static void paint_row(void *ctx, int y, const struct fmt_line *l)
{
    struct paint_ctx *p = ctx;
    if (y > p->next)
        ui_clear_rows(&(struct ui_rect){p->r->y + p->next, p->r->x, y - p->next, p->r->w}, 0);
    ui_paint_line(p->r, y, l);
    if (p->next <= y)
        p->next = y + 1;
}

void ui_draw_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused)
{
    ui_paint_title(r, ui_view_title(v), focused);
    if ((unsigned)v >= VIEW_COUNT)
        return;
    struct paint_ctx p = {r, 1};
    struct view_rows out = {NULL, r->h - 1, 0, paint_row, &p};
    if (out.max > 0 && quiz_ui_hides_view(ui, (int)v))
        quiz_ui_hidden_rows(&out); /* it could give the open question's answer away */
    else if (out.max > 0)
        ui_views[v]->format(ui, ui->view_state[v], r, focused, &out);
    ui_clear_rows(r, p.next);
}

bool ui_view_key(struct ui *ui, enum ui_view v, enum ui_action a)
{
    if ((unsigned)v >= VIEW_COUNT || ui_views[v]->key == NULL)
        return false;
    return ui_views[v]->key(ui, ui->view_state[v], a);
}

void ui_view_click(struct ui *ui, enum ui_view v, const struct ui_rect *r, int y, int x)
{
    if ((unsigned)v < VIEW_COUNT && ui_views[v]->click != NULL)
        ui_views[v]->click(ui, ui->view_state[v], r, y, x);
}

const char *ui_view_title(enum ui_view v)
{
    return (unsigned)v < VIEW_COUNT ? ui_views[v]->title : "?";
}
