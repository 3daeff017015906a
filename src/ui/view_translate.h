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

/* Where the address shown comes from: the heading of the view. */
enum translate_source {
    TR_NONE,       /* no access yet */
    TR_LATEST,     /* the latest access of the replay, at op */
    TR_TYPED,      /* typed after t */
    TR_QUIZ_STEP,  /* the quiz's question, an access of op */
    TR_QUIZ_TYPED, /* the quiz's question, typed after t */
};

/* Everything the view shows, gathered from the timeline at the cursor. */
struct translate_shown {
    enum translate_source source;
    uint64_t op;
    bool known;               /* the access kind is known (else probed as a read) */
    struct timeline_probe pr; /* the probe: va, access, user and the walk */
    enum ui_quiz_state quiz;  /* IDLE outside the quiz */
    const char *answer;       /* what the student typed (REVEALED) */
    bool hit, miss;           /* what the TLB did for the page in this step */
    bool fault;               /* this step raised a fault: */
    uint64_t fault_vector;    /* X86_VEC_PF or X86_VEC_GP */
    uint32_t fault_code;
    uint64_t fault_va;
    uint64_t cr3, cr2;
    unsigned quiz_right, quiz_asked; /* the quiz's score (ui.h) */
};

/* Fills *s for the view's state ts at the cursor of ui (the probe of a
 * typed address is refreshed into ts->probe). */
void translate_gather(const struct ui *ui, struct translate_state *ts, struct translate_shown *s);

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
