/*
 * theme.h - colours by role (STYLE.md 1.8): the one place that maps what a
 * piece of text means (enum ui_role, fmt.h) to a curses colour pair and
 * attributes. With NO_COLOR set, or on a terminal without colours, a
 * monochrome scheme keeps every role readable with bold, reverse and
 * underline only.
 */
#ifndef PAGESIM_UI_THEME_H
#define PAGESIM_UI_THEME_H

#include <stdbool.h>

#include <curses.h>

#include "fmt.h"

/* True when the environment asks for no colour: NO_COLOR is set and not
 * empty (no-color.org). */
bool theme_no_color_env(void);

/* Chooses the scheme: colours when color is true and the terminal has them
 * (start_color() is called then), monochrome otherwise. Must run after
 * initscr() or newterm(). Returns true when colours are in use. */
bool theme_init(bool color);

/* True when the locale's character set is UTF-8 (after setlocale), so
 * marks beyond ASCII may be shown. Can't fail. */
bool theme_utf8(void);

/* The attributes (colour pair included) of role; A_NORMAL for an unknown
 * role. Valid after theme_init. Can't fail. */
attr_t theme_attr(enum ui_role role);

#endif
