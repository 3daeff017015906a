/*
 * view_translate.h - the Translation view's own state and its pure
 * formatter (view_translate.c). The state is public for app.c's quiz flow
 * (a question asked, answered, given up) and the formatter for the tests.
 *
 * Three steps, each its own function: translate_gather() finds the access
 * to show and probes it (timeline_translate, side-effect free) into a
 * struct translate_shown; translate_format_rows() turns that into rows
 * (pure: no timeline, no curses); the generic painter (view.c) paints them.
 */
#ifndef PAGESIM_UI_VIEW_TRANSLATE_H
#define PAGESIM_UI_VIEW_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "replay/access.h"
#include "ui.h"

struct translate_state {
    bool typed;                  /* show the typed probe, not the latest access */
    struct timeline_probe probe; /* the typed probe */

    /* The quiz (ui->quiz on): the question and its answer; its walk stays
     * hidden until an answer is typed (quiz_ui.h judges it). */
    enum ui_quiz_state quiz_state;
    struct timeline_probe quiz_pr;
    bool quiz_known;      /* the access kind is known (not a bare TLB lookup) */
    bool quiz_from_step;  /* asked after a step (else typed after t) */
    uint64_t quiz_op;     /* the operation of a stepped access */
    char quiz_answer[64]; /* what the student typed (REVEALED) */
};

/* What the view shows: what happened, or a probe. */
enum translate_source {
    TR_NONE,       /* no access yet */
    TR_ACCESS,     /* the access the operation at the cursor made (so far) */
    TR_EARLIER,    /* the operation made none (yet): the last access, of op acc.op */
    TR_TYPED,      /* a probe of an address typed after t */
    TR_QUIZ_STEP,  /* the quiz's question: a probe of an access of op */
    TR_QUIZ_TYPED, /* the quiz's question: a probe of an address typed after t */
};

/* Everything the view shows, gathered from the timeline at the cursor. An
 * access (TR_ACCESS, TR_EARLIER) is the record of what the hardware did
 * (replay/access.h); only a stale hit adds a probe of the tables now,
 * labelled as such. The probes (TR_TYPED, the quiz) are probes only. */
struct translate_shown {
    enum translate_source source;
    uint64_t op;              /* the operation at the cursor (a quiz: the question's) */
    const char *op_name;      /* its kind ("free", "say"); NULL at op 0 */
    size_t ev, nev;           /* stepping into it: events revealed of nev (nev 0: not) */
    struct access_record acc; /* TR_ACCESS, TR_EARLIER */
    bool program;             /* acc is the program's access, not the kernel's own */
    unsigned lookups, misses; /* TLB lookups and misses among the op's events shown */
    bool stale;               /* acc was a hit on a stale entry: now is the tables' word */
    struct mmu_result now;    /* the probe of acc's address now (stale only) */
    bool known;               /* a probe's access kind is known (else probed as a read) */
    struct timeline_probe pr; /* a probe: va, access, user and the walk */
    enum ui_quiz_state quiz;  /* IDLE outside the quiz */
    const char *answer;       /* what the student typed (REVEALED) */
    uint64_t cr3, cr2;
    unsigned quiz_right, quiz_asked; /* the quiz's score (ui.h) */
};

/* Fills *s for the view's state ts at the cursor of ui (the probe of a
 * typed address is refreshed into ts->probe). */
void translate_gather(const struct ui *ui, struct translate_state *ts, struct translate_shown *s);

/* One row of a walk: the entry at depth of the walk, level st->level,
 * index, entry address and value as read, the address it holds, and the
 * bits A/D setting wrote into it (written; == entry when none), in the
 * widest of four forms that fits width: indented, with the entry's address
 * and value; not indented; the value only; neither. Into l (emptied first). */
void translate_fmt_step(struct fmt_line *l, const struct fmt_mode *m, unsigned maxphyaddr,
                        unsigned depth, const struct access_step *st, int width);

/* The linear address va split for a page of page_size bytes (0: as for 4
 * KiB) in mode m: its bits (when they fit width, with the sign extension
 * when that fits too), then the fields "PDE 31:22 = 832 (0x340)", as many
 * to a row as fit, in a compact form when one row cannot hold them all.
 * Rows from *y on; *y is left past them. */
void translate_fmt_split(struct view_rows *out, int *y, const struct fmt_mode *m,
                         uint64_t page_size, uint64_t va, int width);

/* The rows of the view for s in mode m (MAXPHYADDR maxphyaddr), width
 * columns wide (a verdict is wrapped to it), into out from row 1 on. */
void translate_format_rows(const struct fmt_mode *m, unsigned maxphyaddr,
                           const struct translate_shown *s, int width, struct view_rows *out);

/* The latest translation among the events shown of the current operation
 * (all of them, or those revealed so far when stepping into it): its
 * address, access, privilege, and whether the event says the access kind
 * (*known false for a bare TLB lookup, probed as a read). When last_only,
 * only the last event shown counts. Returns false when there is none. */
bool view_translate_current_access(const struct ui *ui, bool last_only, uint64_t *va,
                                   enum mmu_access *acc, bool *user, bool *known);

#endif
