/*
 * cli.c - what the headless commands share (CONTRACT 1): the help and usage
 * texts, the error printers, the command line of replay, translate and the
 * interactive mode (cli/args.h), and the loading of the trace into a
 * timeline. The commands themselves are replay.c (with save_ram.c for
 * --save-ram) and translate.c.
 *
 * Errors follow CONTRACT 1: a trace that cannot be read gives
 * "FILE:LINE:COL: error: WHAT" on stderr, nothing on stdout, exit 1; a bad
 * command line gives a short usage line on stderr, exit 2; a trace that ran
 * but whose `expect` lines did not all hold gives exit 3 (cli_expect_*).
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/help.h"
#include "config.h"
#include "replay/expect.h"
#include "replay/options.h"
#include "replay/timeline.h"
#include "trace/trace.h"

static const char usage_line[] =
    "usage: pagesim [OPTIONS] TRACE | pagesim replay [OPTIONS] TRACE |"
    " pagesim translate [OPTIONS] TRACE VADDR... (see pagesim --help)\n";

int cli_usage_error(const char *what)
{
    if (what != NULL) {
        /* It may quote a word of the command line: escaped for the terminal. */
        char esc[2048];
        trace_escape(esc, sizeof esc, what, strlen(what));
        fprintf(stderr, "pagesim: %s\n", esc);
    }
    fputs(usage_line, stderr);
    return 2;
}

void cli_errorf(const char *fmt, ...)
{
    char msg[2048], esc[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    trace_escape(esc, sizeof esc, msg, strlen(msg));
    fprintf(stderr, "pagesim: %s\n", esc);
}

/* The exit status of the last error print_trace_error reported: 1 (the
 * trace), or 2 (a command-line option's value, CONTRACT 1). */
static int load_status = 1;

int cli_load_status(void)
{
    return load_status;
}

/* "FILE:LINE:COL: error: WHAT", naming the offending token, escaped for the
 * terminal; or a usage error naming the option at fault. */
static void print_trace_error(const char *file, const struct trace_error *e)
{
    char line[2048];
    load_status = replay_error_format(file, e, line, sizeof line);
    if (load_status == 2)
        cli_usage_error(line);
    else
        fprintf(stderr, "%s\n", line);
}

static bool is_opt(const char *w, const char *name)
{
    return strcmp(w, name) == 0;
}

/* ---- shared parsing ---- */

/* Parses argv[first..]. Returns -1 when fine, else the exit status (help,
 * version or a usage error already reported). */
int cli_parse_args(enum cli_cmd cmd, int argc, char **argv, int first, struct cli_args *a)
{
    char msg[192];
    bool only_positional = false;
    memset(a, 0, sizeof *a);
    a->addrs = calloc((size_t)argc + 1, sizeof *a->addrs);
    if (a->addrs == NULL)
        return cli_usage_error("out of memory");
    for (int i = first; i < argc;) {
        const char *w = argv[i];
        bool positional = only_positional || w[0] != '-' || strcmp(w, "-") == 0;
        if (!positional) {
            if (is_opt(w, "--")) {
                only_positional = true;
                i++;
                continue;
            }
            if (is_opt(w, "--help") || is_opt(w, "-h")) {
                static const char *const names[] = {"replay", "translate", "visualizer"};
                cli_help_command(stdout, names[cmd]);
                return fflush(stdout) == 0 ? 0 : 1;
            }
            if (is_opt(w, "--version")) {
                printf("pagesim %s\n", PAGESIM_VERSION);
                return 0;
            }
            switch (replay_options_take(&a->opts, argc, argv, &i, msg, sizeof msg)) {
            case OPTIONS_TAKEN:
                continue;
            case OPTIONS_BAD:
                return cli_usage_error(msg);
            case OPTIONS_NOT_MINE:
            default:
                break;
            }
            if (cmd != CMD_INTERACTIVE && is_opt(w, "--json")) {
                a->json = true;
            } else if (cmd == CMD_REPLAY && is_opt(w, "--log")) {
                a->log = true;
            } else if (cmd == CMD_REPLAY && is_opt(w, "--strict")) {
                a->strict = true;
            } else if (cmd == CMD_REPLAY && strncmp(w, "--save-ram", 10) == 0 &&
                       (w[10] == '\0' || w[10] == '=')) {
                if (w[10] == '=') {
                    a->save_ram = w + 11;
                } else if (i + 1 < argc) {
                    a->save_ram = argv[++i];
                } else {
                    return cli_usage_error("option --save-ram needs a file name");
                }
                if (a->save_ram[0] == '\0')
                    return cli_usage_error("option --save-ram needs a file name");
            } else if (cmd == CMD_TRANSLATE && is_opt(w, "--write")) {
                a->write = true;
            } else if (cmd == CMD_TRANSLATE && is_opt(w, "--user")) {
                a->user = true;
            } else if (cmd == CMD_TRANSLATE && is_opt(w, "--exec")) {
                a->exec = true;
            } else {
                snprintf(msg, sizeof msg, "unknown option '%s'", w);
                return cli_usage_error(msg);
            }
            i++;
            continue;
        }
        if (a->trace == NULL) {
            a->trace = w;
        } else if (cmd == CMD_TRANSLATE) {
            a->addrs[a->naddrs++] = argv[i];
        } else {
            snprintf(msg, sizeof msg, "unexpected argument '%s' (one TRACE only)", w);
            return cli_usage_error(msg);
        }
        i++;
    }
    if (a->trace == NULL)
        return cli_usage_error("no TRACE given");
    if (cmd == CMD_TRANSLATE) {
        if (a->naddrs == 0)
            return cli_usage_error("no VADDR given");
        if (a->write && a->exec)
            return cli_usage_error("--write and --exec exclude each other");
        bool stdin_addrs = a->naddrs == 1 && strcmp(a->addrs[0], "-") == 0;
        if (stdin_addrs && strcmp(a->trace, "-") == 0)
            return cli_usage_error("TRACE and VADDR cannot both come from stdin");
    }
    return -1;
}

int cli_interactive_args(int argc, char **argv, const char **path, struct replay_options *o)
{
    struct cli_args a;
    int st = cli_parse_args(CMD_INTERACTIVE, argc, argv, 1, &a);
    free(a.addrs);
    if (st >= 0)
        return st;
    *path = a.trace;
    *o = a.opts;
    return -1;
}

/* ---- --at N.E ---- */

uint64_t cli_at_ops(const struct replay_options *o)
{
    if (o->has_at_event && o->at > 0)
        return o->at - 1; /* N.E: the state before op N, then inside it */
    return o->at;
}

void cli_at_event(const struct replay_options *o, struct timeline *tl)
{
    if (!o->has_at || !o->has_at_event || o->at_event == 0)
        return;
    unsigned long long n = (unsigned long long)o->at, e = (unsigned long long)o->at_event;
    if (o->at == 0) {
        fprintf(stderr,
                "pagesim: --at 0.%llu: the boot is not an operation; stopped before the "
                "first operation\n",
                e);
        return;
    }
    if (timeline_goto_event(tl, o->at, o->at_event))
        return;
    if (timeline_pos(tl) < o->at)
        fprintf(stderr,
                "pagesim: --at %llu.%llu: the trace has %llu operations; stopped at its "
                "end\n",
                n, e, (unsigned long long)timeline_pos(tl));
    else
        fprintf(stderr,
                "pagesim: --at %llu.%llu: operation %llu has %llu micro-events; stopped "
                "at its end (%llu.%llu)\n",
                n, e, n, (unsigned long long)timeline_event_count(tl), n,
                (unsigned long long)timeline_event_count(tl));
}

/* ---- loading ---- */

struct timeline *cli_open_timeline(const struct cli_args *a, const struct timeline_params *p,
                                   struct trace **tp)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct trace *t = *tp;
    if (t == NULL)
        t = trace_load(a->trace, &err);
    if (t == NULL) {
        print_trace_error(a->trace, &err);
        return NULL;
    }
    struct replay_options o = a->opts;
    o.has_at = false;
    memset(&err, 0, sizeof err);
    struct timeline *tl = timeline_create(t, &o, p, &err);
    if (tl == NULL) {
        print_trace_error(a->trace, &err);
        if (t != *tp)
            trace_free(t);
        return NULL;
    }
    *tp = t;
    return tl;
}

/* Appends text to a growable buffer; false when memory runs out. */
static bool append(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap * 2 : 4096;
        while (c < *len + n + 1)
            c *= 2;
        char *p = realloc(*buf, c);
        if (p == NULL)
            return false;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
    return true;
}

void cli_expect_report(void *ctx, const struct trace *t, const struct trace_expect *e, bool ok,
                       const char *found)
{
    struct cli_expect *x = ctx;
    char what[512], fnd[512], line[2048];
    const char *fact = expect_fact_text(t, e);
    trace_escape(what, sizeof what, fact, strlen(fact));
    trace_escape(fnd, sizeof fnd, found, strlen(found));
    if (x->log) {
        char op[32] = "boot: ";
        if (e->op != 0)
            snprintf(op, sizeof op, "op %llu ", (unsigned long long)e->op);
        snprintf(line, sizeof line, "%sline %u: expect %s: %s (found: %s)\n", op, (unsigned)e->line,
                 what, ok ? "holds" : "FAILED", fnd);
        if (!x->hold_log || !append(&x->held, &x->hlen, &x->hcap, line))
            fputs(line, stdout);
    }
    if (ok)
        return;
    char name[768];
    trace_escape(name, sizeof name, x->path, strlen(x->path));
    snprintf(line, sizeof line, "%s:%u:%u: expectation failed: %s (found: %s)\n", name,
             (unsigned)e->line, (unsigned)e->col, what, fnd);
    if (!append(&x->err, &x->len, &x->cap, line))
        fputs(line, stderr); /* no room to wait: now rather than never */
}

void cli_expect_release(struct cli_expect *x)
{
    x->hold_log = false;
    if (x->hlen > 0)
        fputs(x->held, stdout);
    free(x->held);
    x->held = NULL;
    x->hlen = x->hcap = 0;
}

void cli_expect_flush(struct cli_expect *x, bool print)
{
    if (print && x->len > 0)
        fputs(x->err, stderr);
    free(x->err);
    x->err = NULL;
    x->len = x->cap = 0;
    free(x->held);
    x->held = NULL;
    x->hlen = x->hcap = 0;
}

struct timeline *cli_run_streamed(const struct cli_args *a, struct cli_expect *x,
                                  struct trace_reader **rp)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct trace_reader *r = trace_reader_open(a->trace, TRACE_READ_NO_CALLERS, &err);
    if (r == NULL) {
        print_trace_error(a->trace, &err);
        return NULL;
    }
    struct replay_options o = a->opts;
    o.has_at = false;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    if (x != NULL) {
        p.expect = cli_expect_report;
        p.expect_ctx = x;
    }
    memset(&err, 0, sizeof err);
    struct timeline *tl = timeline_create_reader(r, &o, &p, &err);
    if (tl == NULL) {
        print_trace_error(a->trace, &err);
        trace_reader_close(r);
        return NULL;
    }
    uint64_t ops = cli_at_ops(&a->opts);
    if (!a->opts.has_at || ops > 0) {
        enum timeline_stop why;
        timeline_run(tl, a->opts.has_at ? ops : 0, 0, &why, NULL);
    }
    cli_at_event(&a->opts, tl);
    if (!timeline_read_all(tl, &err)) {
        print_trace_error(a->trace, &err);
        timeline_destroy(tl);
        trace_reader_close(r);
        return NULL;
    }
    *rp = r;
    return tl;
}
