/*
 * options.h - the options shared by every command (CONTRACT 1): they
 * override the trace's own configuration lines. Parsing here is pure: words
 * in, a struct and an error message out; cli/ and ui/ print.
 */
#ifndef PAGESIM_REPLAY_OPTIONS_H
#define PAGESIM_REPLAY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

struct replay_options {
    bool has_ram, has_paging, has_tlb, has_at;
    uint64_t ram; /* bytes */
    enum paging_mode paging;
    unsigned tlb_entries, tlb_ways;
    uint64_t at;       /* stop after operation N (0: before the first) */
    bool has_at_event; /* --at N.E: stop inside op N, after its E-th micro-event */
    uint64_t at_event; /* E (0: the state before op N; see timeline_goto_event) */
};

/* Result of offering one command-line word (and maybe the next) to the
 * shared-option parser. */
enum options_result {
    OPTIONS_NOT_MINE, /* argv[*i] is not a shared option: the caller handles it */
    OPTIONS_TAKEN,    /* consumed; *i advanced past the option and its value */
    OPTIONS_BAD,      /* a shared option with a bad or missing value: msg says why */
};

/* Offers argv[*i] (and argv[*i+1] for its value; "--opt=value" also works)
 * to the shared options. On OPTIONS_BAD writes a one-line reason to msg. */
enum options_result replay_options_take(struct replay_options *o, int argc, char **argv, int *i,
                                        char *msg, size_t msglen);

/* Checks a RAM size for the simulator (limits_ram: a non-zero multiple of
 * 4 KiB, at most LIMITS_RAM_MAX). On failure writes the reason to msg and
 * returns false. */
bool replay_check_ram(uint64_t bytes, char *msg, size_t msglen);

/* Checks a TLB geometry (limits_tlb: 1..LIMITS_TLB_ENTRIES entries, 1 <=
 * ways <= entries, entries a multiple of ways and entries/ways (the sets) a
 * power of two). On failure writes the reason to msg and returns false. */
bool replay_check_tlb(uint64_t entries, uint64_t ways, char *msg, size_t msglen);

/* Formats an input error for stderr, every part escaped for the terminal
 * (trace_escape): "FILE:LINE:COL: error: WHAT 'TOKEN'" (the token only when
 * WHAT does not quote it already; line and column 1 when unknown), or, when
 * a command-line option's value is at fault (e->option), "OPTION VALUE:
 * WHAT". Writes at most len - 1 bytes and a NUL into buf. Returns the exit
 * status that goes with it: 1 (the trace), 2 (the command line). */
int replay_error_format(const char *file, const struct trace_error *e, char *buf, size_t len);

#endif
