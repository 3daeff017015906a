/*
 * app.h - the interactive curses visualizer (CONTRACT 4), entered from main.
 */
#ifndef PAGESIM_UI_APP_H
#define PAGESIM_UI_APP_H

struct replay_options;

/* Runs the visualizer on the trace at path with the shared options, until
 * the user quits. Returns the process exit status: 0 after a normal quit, 1
 * when the trace cannot be read (message on stderr as FILE:LINE:COL: error:),
 * 2 when there is no terminal or path is "-". The terminal is restored on
 * every path out. */
int ui_main(const char *path, const struct replay_options *opts);

#endif
