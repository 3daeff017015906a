/*
 * screen.h - drawing the whole screen (screen.c).
 */
#ifndef PAGESIM_UI_SCREEN_H
#define PAGESIM_UI_SCREEN_H

#include "ui.h"

/* Draws everything: status, caption, the panes (or the help), key bar or
 * prompt; a "terminal too small" message when it is below 50x14. */
void screen_draw(struct ui *ui);

/* Redraws only the status lines (a long move under way), or everything when
 * the terminal's size changed or is too small. */
void screen_draw_progress(struct ui *ui);

#endif
