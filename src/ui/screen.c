/*
 * screen.c - the whole screen of the visualizer (CONTRACT 4): the status
 * line on top, the caption under it, one to three panes of views side by
 * side (by the terminal's width; the translation view alone while a quiz
 * question is open, so the views beside it give nothing away), and the key
 * bar (or the prompt being typed) at the bottom. Views are drawn through
 * the view table (view.c); app.c decides when to draw.
 */
#include "screen.h"

#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "keys.h"
#include "quiz_ui.h"
#include "sim/cpu.h"
#include "theme.h"
#include "view_translate.h"

#define MIN_COLS 50
#define MIN_ROWS 14

static void layout(struct ui *ui)
{
    int np = ui->cols >= 180 ? 3 : ui->cols >= 120 ? 2 : 1;
    const struct translate_state *ts = ui->view_state[VIEW_TRANSLATE];
    if (ts->quiz_state == UI_QUIZ_ASKING)
        np = 1; /* the views beside it (TLB, tables, log) could give the answer away */
    int top = 2, h = ui->rows - 3;
    int w = (ui->cols - (np - 1)) / np;
    ui->npanes = np;
    for (int i = 0; i < np; i++) {
        ui->pane_view[i] = (enum ui_view)(((int)ui->focus + i) % VIEW_COUNT);
        ui->pane[i] =
            (struct ui_rect){top, i * (w + 1), h, i + 1 == np ? ui->cols - i * (w + 1) : w};
    }
}

static void draw_status(struct ui *ui)
{
    const struct machine *m = ui_machine(ui);
    const struct cpu *c = machine_cpu(m);
    size_t nev = 0;
    timeline_events(ui->tl, &nev);
    struct fmt_status s = {
        .trace = ui->name,
        .op = (size_t)timeline_pos(ui->tl),
        .nops = (size_t)timeline_len(ui->tl),
        .ev = ui->micro ? ui->reveal : 0,
        .nev = ui->micro ? (size_t)timeline_event_count(ui->tl) : 0,
        .step = ui->micro ? ui_step_name(ui) : NULL,
        .mode = machine_paging_name(machine_config(m)->paging),
        .cr0 = c->cr0,
        .cr3 = c->cr3,
        .cr4 = c->cr4,
        .playing = ui->play.playing,
        .quiz = ui->quiz,
        .quiz_right = ui->quiz_right,
        .quiz_asked = ui->quiz_asked,
        .speed = ui->play.speed,
        .note = ui->note,
    };
    struct fmt_line l;
    fmt_status_line(&l, &s, ui->cols);
    struct ui_rect r = {0, 0, 1, ui->cols};
    ui_paint_line(&r, 0, &l);

    fmt_line_clear(&l);
    if (ui->note[0] != '\0')
        fmt_put(&l, UI_CHANGED, " %s ", ui->note);
    const char *cap = timeline_caption(ui->tl);
    if (cap != NULL && quiz_ui_asking(ui)) { /* a caption may tell the answer */
        fmt_put(&l, UI_DIM, " say: (hidden until you answer)");
    } else if (cap != NULL) {
        enum ui_role mr;
        const char *mark = fmt_expect_mark(timeline_caption_mark(ui->tl), theme_utf8(), &mr);
        if (mark[0] != '\0')
            fmt_put(&l, mr, " %s", mark); /* its facts held or failed (expect) */
        fmt_put(&l, UI_CAPTION, " say: %s", cap);
    }
    r.y = 1;
    ui_paint_line(&r, 0, &l);
}

static void draw_keybar(struct ui *ui)
{
    struct fmt_line l;
    fmt_line_clear(&l);
    struct ui_rect r = {ui->rows - 1, 0, 1, ui->cols};
    if (ui->prompt != NULL) {
        fmt_put(&l, UI_TITLE, "%s", ui->prompt);
        fmt_put(&l, UI_NORMAL, "%s", ui->prompt_text ? ui->prompt_text : "");
        int x = l.len;
        ui_paint_line(&r, 0, &l);
        move(r.y, x < ui->cols ? x : ui->cols - 1);
        return;
    }
    static const char *const keys[][2] = {
        {"q", "quit"},  {"?", "help"}, {"spc", "play"}, {"n", "step"},
        {"b", "back"},  {"s", "into"}, {"+-", "speed"}, {"g", "goto"},
        {"t", "trans"}, {"Q", "quiz"}, {"Tab", "view"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        fmt_put(&l, UI_KEYBAR, "%s", keys[i][0]);
        fmt_put(&l, UI_NORMAL, " %s ", keys[i][1]);
    }
    fmt_put(&l, UI_DIM, "brk:%c%c%c", (ui->breaks & TIMELINE_BREAK_FAULT) ? 'F' : '-',
            (ui->breaks & TIMELINE_BREAK_CAPTION) ? 'C' : '-',
            (ui->breaks & TIMELINE_BREAK_DIAG) ? 'D' : '-');
    ui_paint_line(&r, 0, &l);
}

static void draw_help(struct ui *ui)
{
    struct ui_rect r = {1, 0, ui->rows - 2, ui->cols};
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_TITLE, " pagesim help: every key (up/down scroll, any other key closes) ");
    ui_paint_line(&r, 0, &l);
    int y = 1;
    size_t i = (size_t)(ui->help_top > 0 ? ui->help_top : 0);
    while (y < r.h && keys_help_line(&l, i++))
        ui_paint_line(&r, y++, &l);
    ui_clear_rows(&r, y);
}

void screen_draw(struct ui *ui)
{
    getmaxyx(stdscr, ui->rows, ui->cols);
    ui->too_small = ui->cols < MIN_COLS || ui->rows < MIN_ROWS;
    erase();
    if (ui->too_small) {
        const char *msg = "terminal too small";
        int n = (int)strlen(msg);
        int x = ui->cols > n ? (ui->cols - n) / 2 : 0;
        mvaddnstr(ui->rows / 2, x, msg, ui->cols);
        char need[32];
        snprintf(need, sizeof need, "need %dx%d", MIN_COLS, MIN_ROWS);
        if (ui->rows / 2 + 1 < ui->rows)
            mvaddnstr(ui->rows / 2 + 1, x, need, ui->cols - x);
        refresh();
        return;
    }
    draw_status(ui);
    if (ui->help) {
        draw_help(ui);
    } else {
        layout(ui);
        for (int i = 0; i < ui->npanes; i++) {
            const struct ui_rect *r = &ui->pane[i];
            ui_draw_view(ui, ui->pane_view[i], r, ui->pane_view[i] == ui->focus);
            if (i > 0) {
                attrset(theme_attr(UI_DIM));
                mvvline(r->y, r->x - 1, '|', r->h);
                attrset(A_NORMAL);
            }
        }
    }
    draw_keybar(ui);
    refresh();
}

/* Redraws only the status lines (a long move under way), or everything when
 * the terminal's size changed or is too small. */
void screen_draw_progress(struct ui *ui)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    if (rows != ui->rows || cols != ui->cols || ui->too_small || ui->help) {
        screen_draw(ui);
        return;
    }
    draw_status(ui);
    refresh();
}
