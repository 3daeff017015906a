/*
 * ui.h - the visualizer's state shared by app.c and the views, and the thin
 * painting layer every view uses (STYLE.md 1.6: views format rows with
 * fmt.h, then paint them here).
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

/* A live or freed block of the program, for the heap view. */
struct ui_block {
    uint32_t id;
    uint64_t va, size;
    bool live;
};

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
    enum ui_view pane_view[3];
    struct ui_rect pane[3];

    /* Time (pace.h): the clock, playback and a long forward move (> or g)
     * under way, which the main loop runs in chunks, reading keys between
     * them. tick_ns: what one test tick adds to a manual clock. */
    struct pace_clock clock;
    double tick_ns;
    struct pace_play play;
    struct pace_move move;
    unsigned breaks; /* TIMELINE_BREAK_* */
    char note[160];  /* one message for the status line */

    /* Stepping into an operation: events of the op revealed so far (micro),
     * or all of them. */
    bool micro;
    size_t reveal;

    struct ui_touch touch;

    /* Frames view. */
    uint64_t fr_cursor;        /* frame number */
    uint64_t fr_top;           /* first frame of the top row */
    unsigned fr_zoom;          /* frames per cell = 1 << fr_zoom */
    bool fr_fit;               /* zoom chosen to fit all of RAM */
    uint64_t fr_cols;          /* cells per row at the last draw */
    uint64_t rev_pfn, rev_pos; /* reverse map cache key */
    bool rev_valid;
    size_t rev_n;
    uint64_t rev_va[8];
    uint8_t rev_kind[8]; /* 0: page mapped at va; 1+lvl: table for entry at va */
    bool rev_more;

    /* Tables view: the stack of tables opened with Enter. */
    unsigned tb_depth;
    uint64_t tb_table[4];  /* physical base of the table at each depth */
    uint64_t tb_va[4];     /* first linear address the table covers */
    unsigned tb_cursor[4]; /* entry index under the cursor */
    bool tb_all;           /* all entries, not only present ones */
    uint64_t tb_root;      /* CR3 the stack was built for */

    /* Translation view. */
    bool tr_typed; /* show the typed probe, not the latest access */
    struct timeline_probe tr_probe;

    /* Quiz mode (Q): the next translation (t, or the access a step with n
     * or s reveals) becomes a question; its walk stays hidden until an
     * answer is typed (quiz_ui.h judges it). */
    bool quiz; /* quiz mode on */
    enum ui_quiz_state quiz_state;
    struct timeline_probe quiz_pr; /* the question and its answer */
    bool quiz_known;               /* the access kind is known (not a bare TLB lookup) */
    bool quiz_from_step;           /* asked after a step (else typed after t) */
    uint64_t quiz_op;              /* the operation of a stepped access */
    char quiz_answer[64];          /* what the student typed (REVEALED) */

    /* TLB, heap and log views. */
    int tlb_top;
    size_t hp_cursor;
    int hp_top;
    struct ui_block *blocks;
    size_t nblocks, blocks_cap;
    uint64_t blocks_pos;
    bool blocks_valid;
    int log_back; /* lines scrolled back from the newest */

    /* A prompt being typed on the bottom row (NULL: none). */
    const char *prompt;
    const char *prompt_text;
};

/* Sets up ui for tl (not owned), with room for the heap view's list of
 * blocks (one per id of the trace). Returns false when that allocation
 * fails; ui then holds nothing to free (ui_state_free is still allowed). */
bool ui_state_init(struct ui *ui, struct timeline *tl, const char *name);

/* Frees what ui_state_init and the views allocated. */
void ui_state_free(struct ui *ui);

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

/* Paints a pane's title row (focused: highlighted). */
void ui_paint_title(const struct ui_rect *r, const char *title, bool focused);

/* Clears rows [y, r->h) of r. */
void ui_clear_rows(const struct ui_rect *r, int y);

/* The views: draw into r; handle an action (true when handled); a click
 * at (y, x) relative to r. */
void view_frames_draw(struct ui *ui, const struct ui_rect *r, bool focused);
bool view_frames_key(struct ui *ui, enum ui_action a);
void view_frames_click(struct ui *ui, const struct ui_rect *r, int y, int x);

void view_tables_draw(struct ui *ui, const struct ui_rect *r, bool focused);
bool view_tables_key(struct ui *ui, enum ui_action a);
void view_tables_click(struct ui *ui, const struct ui_rect *r, int y, int x);

void view_translate_draw(struct ui *ui, const struct ui_rect *r, bool focused);

/* The latest translation among the events shown of the current operation
 * (all of them, or those revealed so far when stepping into it): its
 * address, access, privilege, and whether the event says the access kind
 * (*known false for a bare TLB lookup, probed as a read). When last_only,
 * only the last event shown counts. Returns false when there is none. */
bool view_translate_current_access(const struct ui *ui, bool last_only, uint64_t *va,
                                   enum mmu_access *acc, bool *user, bool *known);

void view_tlb_draw(struct ui *ui, const struct ui_rect *r, bool focused);
bool view_tlb_key(struct ui *ui, enum ui_action a);

void view_heap_draw(struct ui *ui, const struct ui_rect *r, bool focused);
bool view_heap_key(struct ui *ui, enum ui_action a);
void view_heap_click(struct ui *ui, const struct ui_rect *r, int y, int x);

void view_log_draw(struct ui *ui, const struct ui_rect *r, bool focused);
bool view_log_key(struct ui *ui, enum ui_action a);

/* "1 Frames", "2 Tables", ... */
const char *ui_view_title(enum ui_view v);

#endif
