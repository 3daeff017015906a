/*
 * cli.h - the headless commands of CONTRACT 1 (`pagesim replay`, `pagesim
 * translate`), the command-line parsing of the interactive mode, and the
 * usage texts. These functions print (stdout for results, stderr for
 * errors) and return the process exit status: 0 done, 1 the trace could not
 * be read (or --strict met a diagnostic), 2 bad command line.
 */
#ifndef PAGESIM_CLI_CLI_H
#define PAGESIM_CLI_CLI_H

#include <stdio.h>

struct replay_options;

/* The full help text (every command and option), written to f. */
void cli_help(FILE *f);

/* Prints "pagesim: WHAT" (when what is not NULL) and the short usage line to
 * stderr. Returns 2, the exit status of a bad command line. */
int cli_usage_error(const char *what);

/* Prints "pagesim: " and the printf-formatted message on stderr, with the
 * message escaped for the terminal (trace_escape): it may name a file or a
 * word the user gave, which may hold control bytes. Adds the newline. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* `pagesim replay [OPTIONS] TRACE`: argv[0] is "replay". Replays the trace
 * (to --at) and prints the summary (text or --json), the --log lines before
 * it, and writes --save-ram. Returns the exit status. */
int cli_replay(int argc, char **argv);

/* `pagesim translate [OPTIONS] TRACE VADDR...`: argv[0] is "translate".
 * Replays, then probes each address without side effects and prints its walk
 * (text or --json array). Returns the exit status. */
int cli_translate(int argc, char **argv);

/* Parses `pagesim [OPTIONS] TRACE` (argv[0] is the program). Returns -1 with
 * *path and *o filled when the visualizer should run; otherwise the exit
 * status to return at once (0 after --help/--version, 2 after a usage error,
 * already reported). */
int cli_interactive_args(int argc, char **argv, const char **path, struct replay_options *o);

#endif
