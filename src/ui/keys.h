/*
 * keys.h - keys are data (STYLE.md 1.7): one table maps each key to an
 * action, and the same table writes the help screen, so the help can never
 * miss a key (htop's Action_setBindings, nnn's bindings[]). CONTRACT 4 lists
 * the keys that must be there; the rest are pagesim's own.
 */
#ifndef PAGESIM_UI_KEYS_H
#define PAGESIM_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"

enum ui_action {
    ACT_NONE,
    ACT_QUIT,
    ACT_HELP,
    ACT_PLAY,
    ACT_STEP,
    ACT_BACK,
    ACT_MICRO,
    ACT_MICRO_BACK,
    ACT_NEXT_CHANGE,
    ACT_PREV_CHANGE,
    ACT_LOG_HITS,
    ACT_FASTER,
    ACT_SLOWER,
    ACT_GOTO,
    ACT_TRANSLATE,
    ACT_QUIZ,
    ACT_SEARCH,
    ACT_NEXT_VIEW,
    ACT_PREV_VIEW,
    ACT_VIEW1,
    ACT_VIEW2,
    ACT_VIEW3,
    ACT_VIEW4,
    ACT_VIEW5,
    ACT_VIEW6,
    ACT_START,
    ACT_END,
    ACT_UP,
    ACT_DOWN,
    ACT_LEFT,
    ACT_RIGHT,
    ACT_PAGE_UP,
    ACT_PAGE_DOWN,
    ACT_TOP,    /* the first row of the focused view (Home) */
    ACT_BOTTOM, /* its last row (End) */
    ACT_ENTER,
    ACT_POP,
    ACT_ZOOM_IN,
    ACT_ZOOM_OUT,
    ACT_SHOW_ALL,
    ACT_BREAK_FAULT,
    ACT_BREAK_CAPTION,
    ACT_BREAK_DIAG,
    ACT_REDRAW,
    ACT_MOUSE,
    ACT_COUNT
};

/* One binding: the curses key code (a character or KEY_*), how the help
 * writes it, and what it does. */
struct key_binding {
    int key;
    const char *label;
    enum ui_action action;
};

/* The action bound to key, ACT_NONE when none. Can't fail. */
enum ui_action keys_action(int key);

/* The whole table: *n receives its length. */
const struct key_binding *keys_table(size_t *n);

/* One sentence saying what action does ("play / pause"). */
const char *keys_action_help(enum ui_action action);

/* Line i of the help screen (0-based): every action that has keys, with all
 * its keys ("right, n      step one trace operation"), then notes. Returns
 * false past the last line. */
bool keys_help_line(struct fmt_line *l, size_t i);

#endif
