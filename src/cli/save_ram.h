/*
 * save_ram.h - `pagesim replay --save-ram FILE` (CONTRACT 1), private to
 * cli/: the check that FILE is not the input, and the writing of the image.
 */
#ifndef PAGESIM_CLI_SAVE_RAM_H
#define PAGESIM_CLI_SAVE_RAM_H

#include <stdbool.h>

struct machine;

/* --save-ram never writes over an input: when path (NULL: no --save-ram)
 * already exists and is the trace being replayed (the same file by st_dev
 * and st_ino, so a symlink or a hard link to it counts, and so does a trace
 * redirected to standard input from it, trace "-"), the command line is
 * refused before anything is read or written. Returns -1 when fine, else 2
 * after the usage error. */
int cli_save_ram_check(const char *trace, const char *path);

/* Writes the whole RAM to path: exactly RAM-size bytes, address 0 at offset
 * 0, through a temporary file renamed over it. Chunks never written are left
 * as holes (ftruncate) or, on a file that cannot be truncated, written as
 * zeros from a small buffer: no host memory in proportion to the RAM. On
 * failure prints "pagesim: FILE: cannot write: WHY" and returns false. */
bool cli_save_ram(const char *path, const struct machine *m);

#endif
