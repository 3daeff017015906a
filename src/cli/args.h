/*
 * args.h - what the commands of cli/ share, private to cli/: the parsed
 * command line (cli.c parses it for replay, translate and the interactive
 * mode) and the loading of the trace into a timeline, with the trace error
 * printed and its exit status kept.
 */
#ifndef PAGESIM_CLI_ARGS_H
#define PAGESIM_CLI_ARGS_H

#include <stdbool.h>

#include "replay/options.h"

struct timeline;
struct timeline_params;
struct trace;
struct trace_expect;
struct trace;
struct trace_reader;

enum cli_cmd {
    CMD_REPLAY,
    CMD_TRANSLATE,
    CMD_INTERACTIVE,
};

struct cli_args {
    struct replay_options opts;
    bool json, log, strict, write, user, exec;
    const char *save_ram;
    const char *trace;
    char **addrs; /* translate: VADDR words */
    int naddrs;
};

/* Parses argv[first..] for the command cmd. Returns -1 when fine, else the
 * exit status (help, version or a usage error already reported). a->addrs is
 * allocated either way: the caller frees it. */
int cli_parse_args(enum cli_cmd cmd, int argc, char **argv, int first, struct cli_args *a);

/* The `expect` lines' results of a headless command (CONTRACT 1, exit 3):
 * with log, a line on stdout per check as it happens ("op K line L: expect
 * FACT: holds"); each failure kept for stderr, printed by cli_expect_flush
 * once the run is known to be good (a syntax error later in a trace being
 * read must leave only its own message). */
struct cli_expect {
    const char *path; /* the trace as given, for FILE:LINE:COL */
    bool log;
    char *err; /* the pending stderr lines */
    size_t len, cap;
    bool hold_log; /* keep the log lines (the boot's, while its events wait) */
    char *held;
    size_t hlen, hcap;
};

/* A timeline_expect_fn; ctx is a struct cli_expect. */
void cli_expect_report(void *ctx, const struct trace *t, const struct trace_expect *e, bool ok,
                       const char *found);

/* Prints the log lines held (hold_log) on stdout, and holds no more. */
void cli_expect_release(struct cli_expect *x);

/* Prints the pending failures on stderr and forgets them (print false: only
 * forgets). Can't fail. */
void cli_expect_flush(struct cli_expect *x, bool print);

/* Loads the trace and builds the timeline; on failure prints the error and
 * returns NULL (exit cli_load_status()). When *tp already holds the loaded
 * trace (a second run of the same trace: standard input can be read only
 * once), the timeline runs it and nothing is read. The shared options' --at
 * is left to the caller. */
struct timeline *cli_open_timeline(const struct cli_args *a, const struct timeline_params *p,
                                   struct trace **tp);

/* A headless run while the trace is read (replay without --log or --strict,
 * translate): the operations are run as they are parsed and never all kept,
 * which is both faster and smaller than loading first. Runs to --at (or the
 * end), then reads the rest, so that a syntax error anywhere still fails the
 * command before anything is printed. Returns the timeline with *rp its
 * reader (the caller destroys both), or NULL after printing the error (exit
 * cli_load_status()). x (may be NULL) hears the `expect` lines' results. */
struct timeline *cli_run_streamed(const struct cli_args *a, struct cli_expect *x,
                                  struct trace_reader **rp);

/* --at N[.E] (CONTRACT 1): the number of whole operations to run first
 * (N, or N-1 for N.E), then cli_at_event moves inside operation N. */
uint64_t cli_at_ops(const struct replay_options *o);

/* After running cli_at_ops() operations: for --at N.E (E > 0), stops inside
 * operation N after its E-th micro-event (timeline_goto_event). An E past
 * the operation's events stops at its end, an N past the trace at the end,
 * and --at 0.E before the first operation (the boot is not an operation):
 * each with a note on stderr, the exit status unchanged. */
void cli_at_event(const struct replay_options *o, struct timeline *tl);

/* The exit status of the last trace error the two above reported: 1 (the
 * trace), or 2 (a command-line option's value, CONTRACT 1). */
int cli_load_status(void);

#endif
