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
#include "status.h"
#include "theme.h"
#include "view_translate.h"

#define MIN_COLS 50
#define MIN_ROWS 14

/* The caption area: the latest caption, wrapped, in at most caption_max()
 * rows (a sixth of the screen; the panes shrink to make room), at least
 * one even before the first caption. The note is on the status rows. */
static int caption_max(const struct ui *ui)
{
    return ui->rows / 6 > 2 ? ui->rows / 6 : 2;
}

static int caption_rows(const struct ui *ui, struct fmt_line *rows, int max)
{
    const char *cap = timeline_caption(ui->tl);
    int n = 0;
    if (cap != NULL && quiz_ui_asking(ui)) { /* a caption may tell the answer */
        n = fmt_wrap(rows, max, ui->cols, UI_DIM, " say: ", "(hidden until you answer)");
    } else if (cap != NULL) {
        /* The mark of its facts (expect): held or failed, in its colour. */
        enum ui_role mr;
        const char *mark = fmt_expect_mark(timeline_caption_mark(ui->tl), theme_utf8(), &mr);
        struct fmt_line src;
        fmt_line_clear(&src);
        if (mark[0] != '\0')
            fmt_put(&src, mr, " %s", mark);
        fmt_put(&src, UI_DIM, " say: ");
        int indent = 0; /* in columns: a UTF-8 mark is one */
        for (int i = 0; i < src.len; i++)
            indent += ((unsigned char)src.text[i] & 0xc0) != 0x80;
        fmt_put(&src, UI_CAPTION, "%s", cap);
        n = fmt_wrap_line(rows, max, ui->cols, indent, &src);
    }
    if (n == 0) {
        fmt_line_clear(&rows[0]);
        n = 1;
    }
    return n;
}

/* Panes: side by side only where each gets PANE_MIN_COLS columns (a view's
 * rows fit in that), one above the other on a screen of STACK_ROWS rows or
 * more (each pane keeps 15 rows with the tallest caption area); the
 * focused view first, the next ones after it. The screen's size alone
 * decides, so a caption's length never changes the layout. */
#define PANE_MIN_COLS 100
#define STACK_ROWS    36

static void layout(struct ui *ui, int caption)
{
    int top = 2 + caption, h = ui->rows - top - 1;
    int across = ui->cols / PANE_MIN_COLS > 1 ? ui->cols / PANE_MIN_COLS : 1;
    int down = ui->rows >= STACK_ROWS ? 2 : 1;
    if (across > 2)
        across = 2;
    const struct translate_state *ts = ui->view_state[VIEW_TRANSLATE];
    if (ts->quiz_state == UI_QUIZ_ASKING)
        across = down = 1; /* the views beside it (TLB, tables, log) could give the answer away */
    int w = (ui->cols - (across - 1)) / across;
    int ph = h / down;
    ui->npanes = across * down;
    for (int i = 0; i < ui->npanes; i++) {
        int col = i % across, row = i / across;
        ui->pane_view[i] = (enum ui_view)(((int)ui->focus + i) % VIEW_COUNT);
        ui->pane[i] =
            (struct ui_rect){top + row * ph, col * (w + 1), row + 1 == down ? h - row * ph : ph,
                             col + 1 == across ? ui->cols - col * (w + 1) : w};
    }
}

static void draw_status(struct ui *ui)
{
    const struct machine *m = ui_machine(ui);
    const struct cpu *c = machine_cpu(m);
    size_t nev = 0;
    timeline_events(ui->tl, &nev);
    uint64_t k = timeline_pos(ui->tl);
    char where[FMT_LINE_MAX];
    status_op_text(ui->trace, k, timeline_op(ui->tl, k), where, sizeof where);
    struct fmt_status s = {
        .trace = ui->name,
        .op = (size_t)k,
        .nops = (size_t)timeline_len(ui->tl),
        .ev = ui->micro ? ui->reveal : 0,
        .nev = ui->micro ? (size_t)timeline_event_count(ui->tl) : 0,
        .step = ui->micro ? ui_step_name(ui) : NULL,
        .mode = machine_paging_name(machine_config(m)->paging),
        .cr0 = c->cr0,
        .cr2 = c->cr2,
        .cr3 = c->cr3,
        .cr4 = c->cr4,
        .playing = ui->play.playing,
        .quiz = ui->quiz,
        .quiz_right = ui->quiz_right,
        .quiz_asked = ui->quiz_asked,
        .speed = ui->play.speed,
        .where = where,
        .note = ui->note,
    };
    struct fmt_line l0, l1;
    fmt_status_rows(&l0, &l1, &s, ui->cols);
    struct ui_rect r = {0, 0, 2, ui->cols};
    ui_paint_line(&r, 0, &l0);
    ui_paint_line(&r, 1, &l1);
}

/* Draws the caption rows under the status rows; returns how many. */
static int draw_caption(struct ui *ui)
{
    struct fmt_line rows[8];
    int max = caption_max(ui);
    int n = caption_rows(ui, rows, max < 8 ? max : 8);
    struct ui_rect r = {2, 0, n, ui->cols};
    for (int i = 0; i < n; i++)
        ui_paint_line(&r, i, &rows[i]);
    return n;
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
    /* Each key with its word while they fit; then the breakpoints. The
     * words shorten on a narrow screen, and a key that does not fit whole
     * is left out (? lists them all). */
    static const char *const keys[][3] = {
        {"q", "quit", ""},    {"?", "help", ""},     {"spc", "play", "play"}, {"n", "step", "step"},
        {"b", "back", "bk"},  {"s", "into", "in"},   {"+-", "speed", "spd"},  {"g", "goto", "go"},
        {"t", "trans", "tr"}, {"Q", "quiz", "quiz"}, {"Tab", "view", "view"},
    };
    char brk[16];
    snprintf(brk, sizeof brk, "brk:%c%c%c", (ui->breaks & TIMELINE_BREAK_FAULT) ? 'F' : '-',
             (ui->breaks & TIMELINE_BREAK_CAPTION) ? 'C' : '-',
             (ui->breaks & TIMELINE_BREAK_DIAG) ? 'D' : '-');
    size_t nk = sizeof keys / sizeof keys[0];
    int full = (int)strlen(brk);
    for (size_t i = 0; i < nk; i++)
        full += (int)(strlen(keys[i][0]) + strlen(keys[i][1]) + 2);
    int word = full <= ui->cols ? 1 : 2;
    for (size_t i = 0; i < nk; i++) {
        const char *w = keys[i][word][0] != '\0' ? keys[i][word] : keys[i][1];
        int need = (int)(strlen(keys[i][0]) + strlen(w) + 2);
        if (l.len + need + (int)strlen(brk) > ui->cols)
            break;
        fmt_put(&l, UI_KEYBAR, "%s", keys[i][0]);
        fmt_put(&l, UI_NORMAL, " %s ", w);
    }
    fmt_put(&l, UI_DIM, "%s", brk);
    ui_paint_line(&r, 0, &l);
}

/* The rows help line l takes at width w (into rows when not NULL). */
#define HELP_WRAP 4
static int help_rows(const struct fmt_line *l, int w, struct fmt_line rows[HELP_WRAP])
{
    struct fmt_line tmp[HELP_WRAP];
    if (l->len <= w) {
        if (rows != NULL)
            rows[0] = *l;
        return 1;
    }
    int n =
        fmt_wrap_line(rows != NULL ? rows : tmp, HELP_WRAP, w, l->role[0] == UI_DIM ? 2 : 17, l);
    return n > 0 ? n : 1;
}

static void draw_help(struct ui *ui)
{
    struct ui_rect r = {2, 0, ui->rows - 3, ui->cols};
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_TITLE, " pagesim help: every key (up/down scroll, any other key closes) ");
    ui_paint_line(&r, 0, &l);
    /* A line wider than the screen wraps under its text (the key column's
     * width for a key's line); scrolled to the end, the last line is on
     * the last row. */
    size_t total = 0;
    while (keys_help_line(&l, total))
        total++;
    size_t i = (size_t)(ui->help_top > 0 ? ui->help_top : 0);
    if (i + (size_t)(r.h - 1) >= total) {
        int need = 0;
        for (i = total; i > 0; i--) {
            keys_help_line(&l, i - 1);
            need += help_rows(&l, r.w, NULL);
            if (need > r.h - 1)
                break;
        }
    }
    int y = 1;
    struct fmt_line rows[HELP_WRAP];
    while (y < r.h && keys_help_line(&l, i++)) {
        int n = help_rows(&l, r.w, rows);
        for (int k = 0; k < n && y < r.h; k++)
            ui_paint_line(&r, y++, &rows[k]);
    }
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
        layout(ui, draw_caption(ui));
        for (int i = 0; i < ui->npanes; i++) {
            const struct ui_rect *r = &ui->pane[i];
            ui_draw_view(ui, ui->pane_view[i], r, ui->pane_view[i] == ui->focus);
            if (r->x > 0) {
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
