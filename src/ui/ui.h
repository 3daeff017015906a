/*
 * ui.h - the visualizer's state shared by app.c and the views, the table of
 * views and the one painter every view's rows go through (STYLE.md 1.6:
 * views format rows with fmt.h; paint.c paints them).
 *
 * A view (struct view) owns its state: a struct of its own, allocated by
 * ui_state_init and reached through ui->view_state[v]; struct ui holds only
 * what every view shares (the timeline, the mode, the highlights, the
 * status note). app.c dispatches through ui_views[]: format (rows, no
 * curses), keys, clicks and what to do after the cursor moved.
 *
 * The views read the machine only through const pointers from the timeline;
 * only app.c moves the timeline (step, back, go to, play), and every move
 * ends in ui_after_move(), which recomputes what the current step touched
 * (the highlights) from the events of the operation.
 */
#ifndef PAGESIM_UI_UI_H
#define PAGESIM_UI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "fmt.h"
#include "keys.h"
#include "pace.h"
#include "replay/timeline.h"

enum ui_view {
    VIEW_FRAMES,
    VIEW_TABLES,
    VIEW_TRANSLATE,
    VIEW_TLB,
    VIEW_HEAP,
    VIEW_LOG,
    VIEW_COUNT
};

/* Where the quiz of the translation view stands. */
enum ui_quiz_state {
    UI_QUIZ_IDLE,     /* no question: the view shows translations as usual */
    UI_QUIZ_ASKING,   /* a question is on screen, its result hidden */
    UI_QUIZ_REVEALED, /* answered: everything shown, with right or wrong */
};

/* A rectangle of the screen, in cells. */
struct ui_rect {
    int y, x, h, w;
};

/* What the current step touched, for highlights (small sets, linear search). */
#define UI_TOUCH_MAX 256

struct ui_touch {
    size_t nframes, nentries, nva;
    uint64_t frames[UI_TOUCH_MAX];  /* frame numbers */
    uint64_t entries[UI_TOUCH_MAX]; /* physical addresses of entries written */
    uint64_t va[UI_TOUCH_MAX];      /* pages (va >> 12) used, filled in the TLB */
    bool evicted;                   /* a TLB entry was evicted: */
    uint64_t evict_va, evict_pa;
};

/* Playback's first speed, in operations per second. */
#define UI_FIRST_SPEED 1

/* At most two panes across and two down (screen.c). */
#define UI_PANES_MAX 4

struct ui {
    struct timeline *tl;
    const struct trace *trace;
    const char *name; /* the trace's name for the status line */
    struct fmt_mode mode;
    unsigned maxphyaddr;

    /* Screen and layout. */
    int rows, cols;
    bool too_small;
    bool help;
    int help_top;
    enum ui_view focus;
    int npanes;
    enum ui_view pane_view[UI_PANES_MAX];
    struct ui_rect pane[UI_PANES_MAX];

    /* Time (pace.h): the clock, playback and a long forward move (> or g)
     * under way, which the main loop runs in chunks, reading keys between
     * them. tick_ns: what one test tick adds to a manual clock. */
    struct pace_clock clock;
    double tick_ns;
    struct pace_play play;
    struct pace_move move;
    unsigned breaks;       /* TIMELINE_BREAK_* */
    char note[160];        /* one message for the status line */
    uint64_t goto_clamped; /* g asked for this op past the end (0: it did not) */

    /* Stepping into an operation: events of the op revealed so far (micro),
     * or all of them. */
    bool micro;
    size_t reveal;

    struct ui_touch touch;

    /* Each view's own state (struct view.state_size bytes). */
    void *view_state[VIEW_COUNT];

    /* Quiz mode (Q): the next translation (t, or the access a step with n
     * or s reveals) becomes a question, which the translation view holds
     * (view_translate.h). */
    bool quiz;
    unsigned quiz_right, quiz_asked; /* the score since Q turned it on */
    int pending_key;                 /* a key that left the answer prompt: handled next */

    /* A prompt being typed on the bottom row (NULL: none). */
    const char *prompt;
    const char *prompt_text;
};

/* Sets up ui for tl (not owned) and each view's state (the heap view's
 * with room for one block per id of the trace, so drawing never
 * allocates). Returns false when an allocation fails; ui_state_free then frees
 * what was allocated. */
bool ui_state_init(struct ui *ui, struct timeline *tl, const char *name);

/* Frees what ui_state_init and the views allocated. */
void ui_state_free(struct ui *ui);

/* The step of the cursor's micro-event (replay/steps.h: "malloc", "VMM",
 * "frame allocator", "map", "carve", "free", "unmap", "INVLPG", "fault",
 * "MMU"...), NULL when the cursor is after no event. For the status line. */
const char *ui_step_name(const struct ui *ui);

/* Recomputes highlights and caches after the cursor moved or a micro-step. */
void ui_after_move(struct ui *ui);

/* The machine at the cursor. */
const struct machine *ui_machine(const struct ui *ui);

/* The events of the current operation that are shown: all, or the first
 * ui->reveal in micro mode. */
const struct event *ui_events(const struct ui *ui, size_t *n);

/* True when frame pfn / the entry at physical address pa / the page of va
 * was touched by the current step. */
bool ui_touched_frame(const struct ui *ui, uint64_t pfn);
bool ui_touched_entry(const struct ui *ui, uint64_t pa);
bool ui_touched_va(const struct ui *ui, uint64_t va);

/* The top-level table's physical address from CR3 for the mode. */
uint64_t ui_root_table(const struct ui *ui);

/* Painting. */

/* Paints l at row y of r (relative), clipped to r's width, the rest of the
 * row cleared. */
void ui_paint_line(const struct ui_rect *r, int y, const struct fmt_line *l);

/* What ui_paint_line may send: UTF-8 as it is (utf8), or ASCII only, each
 * other character as its ASCII stand-in ("->" for an arrow, "ok" for a
 * check mark, '?' for the rest). Set once from the locale, before
 * painting. */
void ui_paint_charset(bool utf8);

/* Paints a pane's title row (focused: highlighted). */
void ui_paint_title(const struct ui_rect *r, const char *title, bool focused);

/* Clears rows [y, r->h) of r. */
void ui_clear_rows(const struct ui_rect *r, int y);

/* --- the view table ---------------------------------------------------------- */

/* Where the rows a view formats for a pane go: into line[] (line[0] is the
 * pane's row 1; row 0 is the title, which the painter writes from the
 * table), or, when sink is set, straight to it as each row comes (the
 * painter: no copy, nothing kept). */
struct view_rows {
    struct fmt_line *line;
    int max; /* rows available */
    int n;   /* rows written: the painter blanks the rest */
    void (*sink)(void *ctx, int y, const struct fmt_line *l);
    void *ctx;
    int width; /* the pane's width: a row wider is cut (wrap or shorten it) */
};

/* Puts l as the pane's row y (1-based, under the title): rows skipped since
 * the last one are blank; a row past max is dropped; a row put again is
 * replaced. */
void view_put(struct view_rows *out, int y, const struct fmt_line *l);

/* One view. format writes the pane's rows for a pane of r's size (r->y and
 * r->x are not used: nothing is painted); it may update its own state
 * (scroll position, caches) but nothing else, and never touches curses.
 * key handles an action of the focused view (true when used); click is a
 * click at (y, x) relative to the pane; moved runs after every move of the
 * cursor. key, click and moved may be NULL. */
struct view {
    const char *title; /* "1 Frames", ... */
    size_t state_size;
    void (*format)(const struct ui *ui, void *st, const struct ui_rect *r, bool focused,
                   struct view_rows *out);
    bool (*key)(struct ui *ui, void *st, enum ui_action a);
    void (*click)(const struct ui *ui, void *st, const struct ui_rect *r, int y, int x);
    void (*moved)(const struct ui *ui, void *st);
    /* init: the state was zeroed; set it up, allocating what it needs
     * (false: out of memory). free releases that (also after a failed
     * init). Both may be NULL. */
    bool (*init)(const struct ui *ui, void *st);
    void (*free)(void *st);
};

extern const struct view view_frames, view_tables, view_translate, view_tlb, view_heap, view_log;

/* The views, in the order of the keys 1..6 and of Tab. */
extern const struct view *const ui_views[VIEW_COUNT];

/* Formats view v for a pane of r's size into lines[0..max) (lines[0] is the
 * pane's row 1) without painting; returns the number of rows written. Pure
 * but for the view's own state. */
int ui_format_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused,
                   struct fmt_line *lines, int max);

/* Formats and paints view v into r: the title, its rows, the rest blank. */
void ui_draw_view(struct ui *ui, enum ui_view v, const struct ui_rect *r, bool focused);

/* Runs view v's key handler / click handler (false: the view has none or
 * did not use the key). */
bool ui_view_key(struct ui *ui, enum ui_view v, enum ui_action a);
void ui_view_click(struct ui *ui, enum ui_view v, const struct ui_rect *r, int y, int x);

/* "1 Frames", "2 Tables", ... */
const char *ui_view_title(enum ui_view v);

#endif
