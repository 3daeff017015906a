/*
 * paint.c - the state the views share and the thin painting layer: a
 * formatted row (fmt.h) becomes runs of characters with their role's
 * attributes (theme.c); view.c paints every view's rows through it. Also what the current step touched, derived from
 * the events of the operation (sim/event.h), for the highlights of every
 * view.
 */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "replay/steps.h"
#include "sim/cpu.h"
#include "sim/x86.h"
#include "quiz_ui.h"
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
    /* A live lesson's pace: one operation a second, and playback pauses
     * at each caption (C turns that off; + and - change the speed). */
    ui->play.speed = UI_FIRST_SPEED;
    ui->breaks = TIMELINE_BREAK_CAPTION;
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
    /* Started inside an operation (--at N.E): the status says so (ev j/M),
     * as after s. */
    ui->micro = timeline_inside(tl);
    ui->reveal = (size_t)timeline_event_pos(tl);
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

/* While a quiz question is open nothing is highlighted: the entries and
 * frames the step touched are the walk the student is asked to do. */
bool ui_touched_frame(const struct ui *ui, uint64_t pfn)
{
    return !quiz_ui_asking(ui) && in_set(ui->touch.frames, ui->touch.nframes, pfn);
}

bool ui_touched_entry(const struct ui *ui, uint64_t pa)
{
    return !quiz_ui_asking(ui) && in_set(ui->touch.entries, ui->touch.nentries, pa);
}

bool ui_touched_va(const struct ui *ui, uint64_t va)
{
    return !quiz_ui_asking(ui) && in_set(ui->touch.va, ui->touch.nva, va >> X86_PAGE_SHIFT);
}

uint64_t ui_root_table(const struct ui *ui)
{
    const struct cpu *c = machine_cpu(ui_machine(ui));
    return paging_root(ui->mode.g, c->cr3, c->maxphyaddr);
}

/* --- painting ---------------------------------------------------------------- */

/* What the terminal's locale can show: UTF-8, or ASCII only (LANG=C, a
 * Latin-1 locale): then every text degrades to ASCII (ui_paint_charset). */
static bool paint_utf8 = true;

void ui_paint_charset(bool utf8)
{
    paint_utf8 = utf8;
}

/* The ASCII stand-ins of the characters lessons and programs write; any
 * other character becomes '?'. */
static const struct {
    uint32_t cp;
    const char *ascii;
} stand_ins[] = {
    {0x00a0, " "},   {0x00ab, "\""}, {0x00b5, "u"},   {0x00b7, "."},  {0x00bb, "\""},
    {0x00d7, "x"},   {0x00f7, "/"},  {0x2010, "-"},   {0x2011, "-"},  {0x2012, "-"},
    {0x2013, "-"},   {0x2014, "--"}, {0x2018, "'"},   {0x2019, "'"},  {0x201c, "\""},
    {0x201d, "\""},  {0x2022, "*"},  {0x2026, "..."}, {0x2190, "<-"}, {0x2192, "->"},
    {0x2194, "<->"}, {0x21d0, "<="}, {0x21d2, "=>"},  {0x2212, "-"},  {0x2248, "~"},
    {0x2260, "!="},  {0x2264, "<="}, {0x2265, ">="},  {0x2713, "ok"}, {0x2714, "ok"},
    {0x2717, "x"},   {0x2718, "x"},
};

/* U+00C0..U+00FF as their base letters: "e" for e-acute. */
static const char latin1_letters[] =
    "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
_Static_assert(sizeof latin1_letters == 0x40 + 1, "one letter per code point U+00C0..U+00FF");

static const char *ascii_of(uint32_t cp, char *one)
{
    for (size_t i = 0; i < sizeof stand_ins / sizeof stand_ins[0]; i++) {
        if (stand_ins[i].cp == cp)
            return stand_ins[i].ascii;
    }
    one[0] = cp >= 0xc0 && cp <= 0xff ? latin1_letters[cp - 0xc0] : '?';
    one[1] = '\0';
    return one;
}

/* Decodes the UTF-8 character at s[0..n): its code point and length in
 * bytes; a byte that starts no valid character is one character of its
 * own, U+FFFD. */
static int utf8_next(const unsigned char *s, int n, uint32_t *cp)
{
    int len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 1;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (len == 1 || s[0] > 0xf4 || len > n)
        goto bad;
    uint32_t v = s[0] & (0x7f >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            goto bad;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
        (v >= 0xd800 && v <= 0xdfff))
        goto bad;
    *cp = v;
    return len;
bad:
    *cp = 0xfffd;
    return 1;
}

/* One cell run to paint: bytes of text in one role. */
struct paint_out {
    char text[4 * FMT_LINE_MAX + 1];
    uint8_t role[4 * FMT_LINE_MAX + 1];
    uint8_t cells[4 * FMT_LINE_MAX + 1]; /* of the character starting at a byte, else 0 */
    int len;                             /* bytes */
    int used;                            /* bytes of the line painted */
    int cols;                            /* cells */
};

/* Appends n bytes that make one character of cells cells (an ASCII
 * stand-in: n characters of one cell each, cells < 0). */
static void out_add(struct paint_out *o, const char *b, int n, uint8_t role, int cells)
{
    if (o->len + n > (int)sizeof o->text - 1)
        return;
    for (int i = 0; i < n; i++) {
        o->text[o->len] = b[i];
        o->cells[o->len] = (uint8_t)(cells < 0 ? 1 : i == 0 ? cells : 0);
        o->role[o->len++] = role;
    }
    o->cols += cells < 0 ? n : cells;
}

/* l as the terminal can show it, at most w cells: UTF-8 kept whole (one
 * cell a character), or each character's ASCII stand-in. */
static void paint_text(const struct fmt_line *l, int w, struct paint_out *o)
{
    o->len = o->cols = o->used = 0;
    const unsigned char *s = (const unsigned char *)l->text;
    for (int i = 0; i < l->len && o->cols < w;) {
        uint32_t cp;
        int n = utf8_next(s + i, l->len - i, &cp);
        char one[2];
        int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
        if (cp < 0x80) {
            out_add(o, (const char *)s + i, 1, l->role[i], 1);
        } else if (paint_utf8 && cp != 0xfffd && cw >= 0 && o->cols + cw <= w) {
            out_add(o, (const char *)s + i, n, l->role[i], cw);
        } else if (paint_utf8 && cp != 0xfffd && cw >= 0) {
            break; /* a wide character that does not fit */
        } else {
            const char *a = paint_utf8 ? "?" : ascii_of(cp, one);
            int k = (int)strlen(a);
            if (k > w - o->cols)
                k = w - o->cols;
            out_add(o, a, k, l->role[i], -1);
        }
        i += n;
        o->used = i;
    }
    o->text[o->len] = '\0';
}

/* Test hook (docs/architecture.md, "Test hooks"): with PAGESIM_TEST_CUTLOG
 * naming a file, every row painted cut (text past the rectangle's width,
 * trailing blanks aside) is appended to it, whole, so that a terminal test
 * can tell that nothing was cut. */
static void log_cut(const struct ui_rect *r, int y, const struct fmt_line *l, int painted)
{
    static FILE *f;
    static bool tried;
    int end = l->len;
    while (end > painted && l->text[end - 1] == ' ')
        end--;
    if (end <= painted)
        return;
    if (!tried) {
        tried = true;
        const char *path = getenv("PAGESIM_TEST_CUTLOG");
        if (path != NULL && path[0] != '\0')
            f = fopen(path, "a");
    }
    if (f != NULL) {
        fprintf(f, "cut at %dx%d+%d+%d: %.*s\n", r->w, r->h, r->x, r->y + y, end, l->text);
        fflush(f);
    }
}

void ui_paint_line(const struct ui_rect *r, int y, const struct fmt_line *l)
{
    if (y < 0 || y >= r->h || r->w <= 0)
        return;
    static struct paint_out o; /* drawing never allocates; one painter at a time */
    paint_text(l, r->w, &o);
    if (o.used < l->len)
        log_cut(r, y, l, o.used);
    int x = 0, col = 0;
    while (x < o.len) {
        int run = x, cells = 0;
        while (run < o.len && o.role[run] == o.role[x]) {
            cells += o.cells[run];
            run++;
        }
        attrset(theme_attr((enum ui_role)o.role[x]));
        mvaddnstr(r->y + y, r->x + col, o.text + x, run - x);
        x = run;
        col += cells;
    }
    attrset(A_NORMAL);
    if (o.cols < r->w)
        mvhline(r->y + y, r->x + o.cols, ' ', r->w - o.cols);
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
