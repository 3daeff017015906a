/*
 * quiz_ui.h - the visualizer's quiz mode, its pure part: reading what the
 * student typed as an answer to "where does this translation go?" and
 * judging it against the side-effect-free probe of the walk (timeline_
 * translate), with the reason in words: which entry was not present, which
 * right was missing at which level (SDM Vol. 3A 4.6), or which frame plus
 * which offset gives the physical address (4.3-4.5), or why a 4-level
 * address is non-canonical (#GP, 4.5). Formats rows of text (fmt.h); app.c
 * and view_translate.c paint them. No curses, no state.
 */
#ifndef PAGESIM_UI_QUIZ_UI_H
#define PAGESIM_UI_QUIZ_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "keys.h"
#include "replay/timeline.h"

/* The prompt the student answers on the bottom row. */
#define QUIZ_UI_PROMPT "your answer: physical address in hex, or 'pf' / 'gp' for a fault: "

/* What a typed answer says. */
enum quiz_ui_kind {
    QUIZ_UI_ADDR, /* a physical address */
    QUIZ_UI_PF,   /* a page fault (#PF, vector 14) */
    QUIZ_UI_GP,   /* a general-protection fault (#GP, vector 13) */
};

struct quiz_ui_answer {
    enum quiz_ui_kind kind;
    uint64_t pa; /* for QUIZ_UI_ADDR */
};

/* Reads text as an answer: a hex number of 1 to 16 digits with or without
 * 0x (0X), or pf, #pf, gp, #gp, any case, with blanks around. Returns false,
 * leaving *out unchanged, for anything else (empty, not hex, too long,
 * NULL). */
bool quiz_ui_parse(const char *text, struct quiz_ui_answer *out);

enum quiz_ui_verdict {
    QUIZ_UI_UNCLEAR, /* not an answer: ask again, reveal nothing */
    QUIZ_UI_RIGHT,
    QUIZ_UI_WRONG,
};

/* At most this many lines come out of quiz_ui_judge. */
#define QUIZ_UI_LINES 6

/* Judges typed against the probe pr (its va, access, user, ok, res: the
 * walk steps, pa and page size, or the fault) in paging mode m with
 * MAXPHYADDR maxphyaddr. Right means the same kind and, for an address, the
 * same physical address; the error code is not asked for. Writes *nlines
 * (at most QUIZ_UI_LINES) rows to out:
 * - unclear: one row, "not understood, try again: ...", saying nothing of
 *   the answer;
 * - otherwise "right: ..." or "wrong: you said X, the answer is Y", then the
 *   walk in one row ("the walk went PDE[832] -> PTE[0] -> frame ...") and
 *   why: frame + offset = pa, or which entry had P=0 or a reserved bit, or
 *   which level lacked R/W, U/S or had XD, or the non-canonical bits; for a
 *   wrong address, a hint (offset not kept, the linear address itself).
 *   A stale TLB entry for the page is noted.
 * Can't fail; changes nothing but out and *nlines. */
enum quiz_ui_verdict quiz_ui_judge(const struct fmt_mode *m, unsigned maxphyaddr,
                                   const struct timeline_probe *pr, const char *typed,
                                   struct fmt_line out[QUIZ_UI_LINES], unsigned *nlines);

/* --- the question open on screen (ui.h, view_translate.h) ----------------- */

struct ui;
struct view_rows;

/* True while a question is open and unanswered (UI_QUIZ_ASKING). */
bool quiz_ui_asking(const struct ui *ui);

/* True when view v must not be shown while the question is open: every
 * view but the Translation view (the question) and the Tables view (the
 * student walks the tables there by hand), since each of the others can
 * show the answer (the TLB entry of the page, the frame a heap page maps
 * to, the reverse map of a frame, the log of the walk). */
bool quiz_ui_hides_view(const struct ui *ui, int v);

/* The rows of a hidden view: why it is hidden and how to get it back. */
void quiz_ui_hidden_rows(struct view_rows *out);

/* May ch be part of an answer (quiz_ui_parse's alphabet: hex digits, x,
 * p, f, g, #)? Such a key is always typed into the answer prompt. */
bool quiz_ui_answer_char(int ch);

/* Does a key bound to action a, when it cannot be part of an answer, leave
 * the answer prompt and act? True for what moves in time (n, s, space,
 * left, right, <, >; a new action must be sorted here, -Wswitch-enum), Q,
 * Tab, ? and q; false
 * for what only a view uses (h, j, k, l, z, ...) and speed keys: those are
 * typed, and the answer is then not understood. */
bool quiz_ui_leaves_answer(enum ui_action a);

/* "score 2/3" into buf: right answers of the questions asked (answered,
 * or given up with Q). */
const char *quiz_ui_score(unsigned right, unsigned asked, char *buf, size_t len);

#endif
