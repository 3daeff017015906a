/*
 * view.c - the table of views and the generic side of every view: a view
 * formats rows (its format function, pure but for its own state), and this
 * file paints them under the pane's title, blanks the rest, and routes keys
 * and clicks to the view they are for. app.c knows views only through here.
 */
#include <string.h>

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
    while (out->n < i)
        fmt_line_clear(&out->line[out->n++]);
    struct fmt_line *d = &out->line[i];
    d->len = l->len;
    memcpy(d->text, l->text, (size_t)l->len + 1);
    memcpy(d->role, l->role, (size_t)l->len);
    if (out->n <= i)
        out->n = i + 1;
}

void ui_format_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused, int *n)
{
    int max = r->h - 1;
    struct view_rows out = {ui->row_buf, max < VIEW_ROWS_MAX ? (max > 0 ? max : 0) : VIEW_ROWS_MAX,
                            0};
    *n = 0;
    if ((unsigned)v >= VIEW_COUNT || ui->row_buf == NULL)
        return;
    ui_views[v]->format(ui, ui->view_state[v], r, focused, &out);
    *n = out.n;
}

void ui_draw_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused)
{
    ui_paint_title(r, ui_view_title(v), focused);
    int n;
    ui_format_view(ui, v, r, focused, &n);
    for (int i = 0; i < n; i++)
        ui_paint_line(r, i + 1, &ui->row_buf[i]);
    ui_clear_rows(r, n + 1);
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
