/*
 * termcheck.h - whether the visualizer can drive the terminal it was given
 * (CONTRACT 1, exit 2): a terminal on stdin and stdout, a TERM that the
 * terminfo database knows, and cursor addressing (cup), which a
 * full-screen display needs and TERM=dumb lacks. Checked before curses
 * starts, so a refusal leaves the terminal untouched.
 */
#ifndef PAGESIM_UI_TERMCHECK_H
#define PAGESIM_UI_TERMCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when the terminal can be driven; else writes a one-line reason
 * (no newline, the TERM value escaped for the terminal) to why. Prints
 * nothing and leaves no terminfo state behind. */
bool termcheck_usable(char *why, size_t len);

#endif
