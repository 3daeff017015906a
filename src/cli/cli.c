/*
 * cli.c - `pagesim replay` and `pagesim translate` (CONTRACT 1 and 3): the
 * command line, the text and JSON summaries, --log, --save-ram, --strict,
 * and the side-effect-free translate probe printed walk step by step.
 *
 * Errors follow CONTRACT 1: a trace that cannot be read gives
 * "FILE:LINE:COL: error: WHAT" on stderr, nothing on stdout, exit 1; a bad
 * command line gives a short usage line on stderr, exit 2.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/json.h"
#include "config.h"
#include "replay/eventfmt.h"
#include "replay/options.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/paging.h"
#include "sim/pfa.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "sim/tmem.h"
#include "sim/x86.h"
#include "trace/trace.h"

static const char usage_line[] =
    "usage: pagesim [OPTIONS] TRACE | pagesim replay [OPTIONS] TRACE |"
    " pagesim translate [OPTIONS] TRACE VADDR... (see pagesim --help)\n";

void cli_help(FILE *f)
{
    fputs("usage: pagesim [OPTIONS] TRACE                     interactive visualizer\n"
          "       pagesim replay [OPTIONS] TRACE              replay headless, print a summary\n"
          "       pagesim translate [OPTIONS] TRACE VADDR...  replay, then show page walks\n"
          "       pagesim quiz [--seed N] [--count K] [--answers] [--json]  paging exercises\n"
          "       pagesim record -o FILE -- COMMAND [ARGS...]  record a program's mtrace log\n"
          "       pagesim --help | -h                         this help\n"
          "       pagesim --version                           the version\n"
          "\n"
          "TRACE is a file in the native format or a glibc mtrace log, or - for stdin\n"
          "(replay and translate only).\n"
          "\n"
          "Options of all commands (they override the trace's configuration lines):\n"
          "  --ram SIZE             simulated physical RAM, a multiple of 4K (e.g. 16M, 4G)\n"
          "  --paging MODE          32, pse, pae or long\n"
          "  --tlb ENTRIES[:WAYS]   TLB geometry (default 64:4)\n"
          "  --at N                 stop after trace operation N (0: before the first)\n"
          "\n"
          "replay options:\n"
          "  --json                 the summary as one JSON object\n"
          "  --log                  every micro-event, one line each, before the summary\n"
          "  --save-ram FILE        write the simulated physical memory to FILE (raw bytes)\n"
          "  --strict               exit 1 at the first diagnostic\n"
          "\n"
          "translate options:\n"
          "  --json                 an array, one object per address\n"
          "  --write, --user, --exec  the access to check (default: supervisor read)\n"
          "VADDR is hex with 0x or decimal; a single - reads addresses from stdin, one per line.\n"
          "\n"
          "Exit status: 0 done, 1 the trace could not be read (or --strict), 2 bad command line.\n",
          f);
}

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

enum cmd {
    CMD_REPLAY,
    CMD_TRANSLATE,
    CMD_INTERACTIVE,
};

struct args {
    struct replay_options opts;
    bool json, log, strict, write, user, exec;
    const char *save_ram;
    const char *trace;
    char **addrs; /* translate: VADDR words */
    int naddrs;
};

/* Parses argv[first..]. Returns -1 when fine, else the exit status (help,
 * version or a usage error already reported). */
static int parse_args(enum cmd cmd, int argc, char **argv, int first, struct args *a)
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
                cli_help(stdout);
                return 0;
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
    struct args a;
    int st = parse_args(CMD_INTERACTIVE, argc, argv, 1, &a);
    free(a.addrs);
    if (st >= 0)
        return st;
    *path = a.trace;
    *o = a.opts;
    return -1;
}

/* Loads the trace and builds the timeline; on failure prints the error and
 * returns NULL (exit 1). When *tp already holds the loaded trace (a second
 * run of the same trace: standard input can be read only once), the
 * timeline runs it and nothing is read. The shared options' --at is left to
 * the caller. */
static struct timeline *open_timeline(const struct args *a, const struct timeline_params *p,
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

/* A headless run while the trace is read (replay without --log or --strict,
 * translate): the operations are run as they are parsed and never all kept,
 * which is both faster and smaller than loading first. Runs to --at (or the
 * end), then reads the rest, so that a syntax error anywhere still fails the
 * command before anything is printed. Returns the timeline with *rp its
 * reader (the caller destroys both), or NULL after printing the error. */
static struct timeline *run_streamed(const struct args *a, struct trace_reader **rp)
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
    memset(&err, 0, sizeof err);
    struct timeline *tl = timeline_create_reader(r, &o, &p, &err);
    if (tl == NULL) {
        print_trace_error(a->trace, &err);
        trace_reader_close(r);
        return NULL;
    }
    if (!a->opts.has_at || a->opts.at > 0) {
        enum timeline_stop why;
        timeline_run(tl, a->opts.has_at ? a->opts.at : 0, 0, &why, NULL);
    }
    if (!timeline_read_all(tl, &err)) {
        print_trace_error(a->trace, &err);
        timeline_destroy(tl);
        trace_reader_close(r);
        return NULL;
    }
    *rp = r;
    return tl;
}

static uint64_t target_of(const struct args *a, const struct timeline *tl)
{
    uint64_t n = timeline_len(tl);
    if (a->opts.has_at && a->opts.at < n)
        return a->opts.at;
    return n;
}

/* ---- replay ---- */

struct log_ctx {
    const struct timeline *tl; /* set once the timeline exists */
    char line[1024];
};

static void log_event(void *ctx, uint64_t op, uint32_t line, const struct event *ev)
{
    struct log_ctx *lc = ctx;
    if (lc->tl == NULL)
        return;
    eventfmt_line(lc->tl, op, line, ev, lc->line, sizeof lc->line);
    fputs(lc->line, stdout);
    fputc('\n', stdout);
}

/* The boot's events are emitted inside timeline_create, before the log
 * context knows the timeline: replay them from the boot record. */
static void log_boot(struct log_ctx *lc, const struct timeline *tl)
{
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    for (size_t i = 0; i < n; i++)
        log_event(lc, 0, 0, &ev[i]);
}

/* Runs to the target. With strict, stops at the first operation that gives
 * a diagnostic and returns that operation's index (else 0). */
static uint64_t run_to(struct timeline *tl, uint64_t target, bool strict)
{
    unsigned mask =
        strict ? TIMELINE_BREAK_DIAG | TIMELINE_BREAK_FAULT | TIMELINE_BREAK_ALLOC_FAIL : 0;
    while (timeline_pos(tl) < target) {
        enum timeline_stop why;
        timeline_run(tl, target - timeline_pos(tl), mask, &why, NULL);
        if (why == TIMELINE_STOP_BREAK)
            return timeline_pos(tl);
    }
    return 0;
}

/* The --strict message for the diagnostic of operation k (the cursor). */
static void print_strict_error(const struct args *a, const struct timeline *tl, uint64_t k)
{
    const struct op *op = timeline_op(tl, k);
    const struct trace *t = timeline_trace(tl);
    size_t n;
    const struct event *ev = timeline_events(tl, &n);
    char what[512] = "diagnostic";
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == EV_DIAG || ev[i].kind == EV_FAULT || ev[i].kind == EV_ALLOC_FAIL) {
            eventfmt_format(tl, &ev[i], what, sizeof what);
            break;
        }
    }
    const char *prefix = "diagnostic: ";
    const char *w = strncmp(what, prefix, strlen(prefix)) == 0 ? what + strlen(prefix) : what;
    char token[160];
    if (op->id != TRACE_NO_ID && !(op->flags & OP_F_RAW))
        snprintf(token, sizeof token, "%s %s", trace_op_name((enum op_kind)op->kind),
                 trace_id_name(t, op->id));
    else
        snprintf(token, sizeof token, "%s", trace_op_name((enum op_kind)op->kind));
    char name[768], tok[640];
    trace_escape(name, sizeof name, a->trace, strlen(a->trace));
    trace_escape(tok, sizeof tok, token, strlen(token));
    fprintf(stderr, "%s:%u:%u: error: %s in '%s' (--strict)\n", name, (unsigned)op->line,
            op->col ? (unsigned)op->col : 1u, w, tok);
}

/* --save-ram never writes over an input: when FILE already exists and is
 * the trace being replayed (the same file by st_dev and st_ino, so a symlink
 * or a hard link to it counts, and so does a trace redirected to standard
 * input from it), the command line is refused before anything is read or
 * written. Returns -1 when fine, else 2 after the usage error. */
static int check_save_ram_target(const struct args *a)
{
    if (a->save_ram == NULL)
        return -1;
    struct stat in, out;
    bool from_stdin = strcmp(a->trace, "-") == 0;
    if ((from_stdin ? fstat(STDIN_FILENO, &in) : stat(a->trace, &in)) != 0 ||
        !S_ISREG(in.st_mode) || stat(a->save_ram, &out) != 0)
        return -1;
    if (in.st_dev != out.st_dev || in.st_ino != out.st_ino)
        return -1;
    char msg[256];
    snprintf(msg, sizeof msg,
             "--save-ram '%.100s' is the trace being replayed%s; not overwriting it", a->save_ram,
             from_stdin ? " (on standard input)" : "");
    return cli_usage_error(msg);
}

/* Where save_ram writes: to a new temporary file beside the target, renamed
 * over it once every byte is written, so that a failed write (a full disk)
 * never leaves a truncated image nor destroys what the file held. A target
 * that exists and is not a regular file (/dev/null, a pipe, a terminal) is
 * written in place. A symbolic link is followed: the file it names is
 * replaced, not the link. */
struct ram_out {
    int fd;
    char *target; /* the file renamed over, or NULL when written in place */
    char *tmp;    /* the temporary file's name, or NULL */
};

static bool ram_out_open(const char *path, struct ram_out *o)
{
    o->fd = -1;
    o->target = NULL;
    o->tmp = NULL;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        return o->fd >= 0;
    }
    o->target = realpath(path, NULL); /* NULL when it does not exist yet */
    if (o->target == NULL && (o->target = strdup(path)) == NULL)
        return false;
    size_t n = strlen(o->target) + sizeof ".XXXXXX";
    o->tmp = malloc(n);
    if (o->tmp == NULL)
        return false;
    snprintf(o->tmp, n, "%s.XXXXXX", o->target);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return false;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0644 & ~mask) != 0)
        return false;
    return true;
}

/* Closes the output; renames the temporary file over the target when ok,
 * else removes it. Returns false (errno set) when anything failed. */
static bool ram_out_close(struct ram_out *o, bool ok)
{
    int e = ok ? 0 : errno;
    if (o->fd >= 0 && close(o->fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (o->tmp != NULL) {
        if (ok && rename(o->tmp, o->target) != 0) {
            ok = false;
            e = errno;
        }
        if (!ok)
            unlink(o->tmp);
    }
    free(o->tmp);
    free(o->target);
    errno = e;
    return ok;
}

/* Writes the whole RAM to path: exactly RAM-size bytes, address 0 at offset
 * 0, through a temporary file (struct ram_out). Chunks never written are
 * left as holes (ftruncate) or, on a file that cannot be truncated, written
 * as zeros from a small buffer: no host memory in proportion to the RAM. */
static bool save_ram(const char *path, const struct machine *m)
{
    const struct phys *p = machine_phys(m);
    const struct tmem *mem = p->mem;
    uint64_t size = phys_size(p);
    static const uint8_t zeros[1 << 16];
    struct ram_out out;
    if (!ram_out_open(path, &out)) {
        ram_out_close(&out, false);
        cli_errorf("%s: cannot write: %s", path, strerror(errno));
        return false;
    }
    int fd = out.fd;
    bool sparse = ftruncate(fd, (off_t)size) == 0;
    uint64_t off = 0;
    bool ok = true;
    while (ok && off < size) {
        uint64_t c = off >> TMEM_CHUNK_SHIFT;
        bool written = (mem->written[c >> 6] >> (c & 63)) & 1;
        uint64_t len = TMEM_CHUNK_SIZE;
        if (len > size - off)
            len = size - off;
        const uint8_t *src = phys_bytes(p) + off;
        if (!written) {
            if (sparse) {
                off += len;
                continue;
            }
            /* Not sparse: write zeros for the whole unwritten run in blocks. */
            src = zeros;
        } else if (sparse) {
            size_t i = 0;
            while (i < len && src[i] == 0)
                i++;
            if (i == len) {
                off += len;
                continue;
            }
        }
        /* Gather a run of chunks with the same nature to write at once. */
        uint64_t run = len;
        while (off + run < size && run < sizeof zeros) {
            uint64_t c2 = (off + run) >> TMEM_CHUNK_SHIFT;
            bool w2 = (mem->written[c2 >> 6] >> (c2 & 63)) & 1;
            if (w2 != written)
                break;
            uint64_t l2 = TMEM_CHUNK_SIZE;
            if (l2 > size - off - run)
                l2 = size - off - run;
            run += l2;
        }
        uint64_t done = 0;
        while (done < run) {
            const uint8_t *from = written ? src + done : zeros;
            size_t n = (size_t)(run - done);
            ssize_t w = sparse ? pwrite(fd, from, n, (off_t)(off + done)) : write(fd, from, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                if (w == 0)
                    errno = ENOSPC;
                ok = false;
                break;
            }
            done += (uint64_t)w;
        }
        off += run;
    }
    ok = ram_out_close(&out, ok);
    if (!ok)
        cli_errorf("%s: cannot write: %s", path, strerror(errno));
    return ok;
}

static const char *const op_json_names[] = {"malloc", "calloc", "realloc", "free", "read", "write"};

/* The lesson directives (OP_PROTECT onwards) are counted in "ops" too, one key
 * each, named by their directive word ("protect", "invlpg", "cr3", "cr0",
 * "cr4", "exec"): always in JSON, in the text summary only when used, so the
 * summary of a trace without them reads as before. */

static void print_json_summary(const struct args *a, const struct timeline *tl)
{
    const struct machine *m = timeline_machine(tl);
    const struct trace *t = timeline_trace(tl);
    const struct machine_config *cfg = machine_config(m);
    struct machine_stats st = machine_stats(m);
    struct pfa_stats fs = pfa_stats(machine_pfa(m));
    const struct tlb *tlb = machine_tlb(m);
    struct tlb_stats ts = tlb_stats(tlb);
    const struct cpu *cpu = machine_cpu(m);
    uint64_t counts[OP_KIND_COUNT];
    timeline_op_counts(tl, counts);
    FILE *f = stdout;

    fputs("{\"trace\": ", f);
    json_string(f, a->trace);
    fprintf(f, ", \"format\": \"%s\", \"paging\": \"%s\",\n", trace_format_name(t->format),
            machine_paging_name(cfg->paging));
    fprintf(f, " \"ram_bytes\": %llu, \"operations\": %llu, \"at\": %llu,\n",
            (unsigned long long)cfg->ram_bytes, (unsigned long long)timeline_len(tl),
            (unsigned long long)timeline_pos(tl));
    fputs(" \"ops\": {", f);
    for (size_t k = 0; k < sizeof op_json_names / sizeof op_json_names[0]; k++)
        fprintf(f, "%s\"%s\": %llu", k ? ", " : "", op_json_names[k],
                (unsigned long long)counts[k]);
    for (int k = OP_PROTECT; k < OP_KIND_COUNT; k++)
        fprintf(f, ", \"%s\": %llu", trace_op_name((enum op_kind)k), (unsigned long long)counts[k]);
    fprintf(f, "}, \"says\": %llu,\n", (unsigned long long)counts[OP_SAY]);
    fprintf(f,
            " \"heap\": {\"live_blocks\": %llu, \"live_bytes\": %llu, \"peak_live_bytes\": %llu,"
            " \"failed_allocs\": %llu},\n",
            (unsigned long long)st.live_blocks, (unsigned long long)st.live_bytes,
            (unsigned long long)st.peak_live_bytes, (unsigned long long)st.failed_allocs);
    fprintf(f,
            " \"frames\": {\"total\": %llu, \"free\": %llu, \"used\": %llu, \"reserved\": %llu},\n",
            (unsigned long long)fs.total, (unsigned long long)fs.free, (unsigned long long)fs.used,
            (unsigned long long)fs.reserved);
    fprintf(f,
            " \"tlb\": {\"hits\": %llu, \"misses\": %llu, \"flushes\": %llu, \"invlpg\": %llu,"
            " \"fills\": %llu, \"evictions\": %llu, \"entries\": %u, \"ways\": %u},\n",
            (unsigned long long)ts.hits, (unsigned long long)ts.misses,
            (unsigned long long)ts.flushes, (unsigned long long)ts.invlpg,
            (unsigned long long)ts.fills, (unsigned long long)ts.evictions, tlb_nentries(tlb),
            tlb_nways(tlb));
    fprintf(f, " \"page_faults\": %llu, \"gp_faults\": %llu, \"diagnostics\": %llu,\n",
            (unsigned long long)st.page_faults, (unsigned long long)st.gp_faults,
            (unsigned long long)st.diagnostics);
    fputs(" \"diagnostics_by_kind\": {", f);
    for (int d = 0; d < DIAG_COUNT; d++) {
        fputs(d ? ", " : "", f);
        json_string(f, machine_diag_name((enum diag_kind)d));
        fprintf(f, ": %llu", (unsigned long long)st.diag[d]);
    }
    fputs("},\n \"cpu\": {\"cr0\": ", f);
    json_hex(f, cpu->cr0);
    fputs(", \"cr2\": ", f);
    json_hex(f, cpu->cr2);
    fputs(", \"cr3\": ", f);
    json_hex(f, cpu->cr3);
    fputs(", \"cr4\": ", f);
    json_hex(f, cpu->cr4);
    fputs(", \"efer\": ", f);
    json_hex(f, cpu->efer);
    fprintf(f, ", \"maxphyaddr\": %u}}\n", cpu->maxphyaddr);
}

static void print_text_summary(const struct args *a, const struct timeline *tl)
{
    const struct machine *m = timeline_machine(tl);
    const struct trace *t = timeline_trace(tl);
    const struct machine_config *cfg = machine_config(m);
    struct machine_stats st = machine_stats(m);
    struct pfa_stats fs = pfa_stats(machine_pfa(m));
    const struct tlb *tlb = machine_tlb(m);
    struct tlb_stats ts = tlb_stats(tlb);
    const struct cpu *cpu = machine_cpu(m);
    uint64_t counts[OP_KIND_COUNT];
    timeline_op_counts(tl, counts);
    FILE *f = stdout;

    char name[768];
    trace_escape(name, sizeof name, a->trace, strlen(a->trace));
    fprintf(f, "trace        %s (%s), operation %llu of %llu\n", name, trace_format_name(t->format),
            (unsigned long long)timeline_pos(tl), (unsigned long long)timeline_len(tl));
    fprintf(f, "machine      paging %s, RAM %llu bytes (%llu frames), TLB %u entries x %u ways\n",
            machine_paging_name(cfg->paging), (unsigned long long)cfg->ram_bytes,
            (unsigned long long)fs.total, tlb_nentries(tlb), tlb_nways(tlb));
    fputs("ops         ", f);
    for (int k = 0; k <= OP_SAY; k++)
        fprintf(f, "%s %s %llu", k ? "," : "", trace_op_name((enum op_kind)k),
                (unsigned long long)counts[k]);
    for (int k = OP_PROTECT; k < OP_KIND_COUNT; k++) {
        if (counts[k] != 0)
            fprintf(f, ", %s %llu", trace_op_name((enum op_kind)k), (unsigned long long)counts[k]);
    }
    fputc('\n', f);
    fprintf(f,
            "heap         %llu live blocks, %llu live bytes, peak %llu bytes, %llu failed "
            "allocations\n",
            (unsigned long long)st.live_blocks, (unsigned long long)st.live_bytes,
            (unsigned long long)st.peak_live_bytes, (unsigned long long)st.failed_allocs);
    fprintf(f, "frames       %llu total: %llu free, %llu used, %llu reserved\n",
            (unsigned long long)fs.total, (unsigned long long)fs.free, (unsigned long long)fs.used,
            (unsigned long long)fs.reserved);
    fprintf(f,
            "TLB          %llu hits, %llu misses, %llu fills, %llu evictions, %llu flushes, "
            "%llu INVLPG\n",
            (unsigned long long)ts.hits, (unsigned long long)ts.misses,
            (unsigned long long)ts.fills, (unsigned long long)ts.evictions,
            (unsigned long long)ts.flushes, (unsigned long long)ts.invlpg);
    fprintf(f, "faults       %llu page faults (#PF), %llu general protection (#GP)\n",
            (unsigned long long)st.page_faults, (unsigned long long)st.gp_faults);
    fprintf(f, "diagnostics  %llu", (unsigned long long)st.diagnostics);
    bool any = false;
    for (int d = 0; d < DIAG_COUNT; d++) {
        if (st.diag[d] == 0)
            continue;
        fprintf(f, "%s%s %llu", any ? ", " : " (", machine_diag_name((enum diag_kind)d),
                (unsigned long long)st.diag[d]);
        any = true;
    }
    fputs(any ? ")\n" : "\n", f);
    fprintf(f,
            "registers    CR0=0x%08llx CR2=0x%08llx CR3=0x%08llx CR4=0x%08llx EFER=0x%08llx "
            "(%s paging, MAXPHYADDR %u)\n",
            (unsigned long long)cpu->cr0, (unsigned long long)cpu->cr2,
            (unsigned long long)cpu->cr3, (unsigned long long)cpu->cr4,
            (unsigned long long)cpu->efer, cpu_mode_name(cpu_paging_mode(cpu)), cpu->maxphyaddr);
}

/* The end of a replay that reached its target: --save-ram, then the summary
 * (JSON or text), flushed. Returns the exit status. */
static int finish_replay(const struct args *a, const struct timeline *tl)
{
    int rc = 0;
    if (a->save_ram != NULL && !save_ram(a->save_ram, timeline_machine(tl)))
        rc = 1;
    if (rc == 0) {
        if (a->json)
            print_json_summary(a, tl);
        else
            print_text_summary(a, tl);
    }
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}

int cli_replay(int argc, char **argv)
{
    struct args a;
    int st = parse_args(CMD_REPLAY, argc, argv, 1, &a);
    free(a.addrs);
    if (st >= 0)
        return st;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    struct trace *t = NULL;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;

    st = check_save_ram_target(&a);
    if (st >= 0)
        return st;

    /* --strict: a silent first run finds the first diagnostic, so that an
     * error never leaves --log lines on stdout. The trace is loaded once and
     * kept for the --log run: a second read of standard input would find it
     * empty. */
    if (a.strict) {
        struct timeline_params sp = p;
        sp.flags = TIMELINE_NO_CHECKPOINTS; /* events on: the message needs them */
        struct timeline *tl = open_timeline(&a, &sp, &t);
        if (tl == NULL)
            return load_status;
        uint64_t bad = run_to(tl, target_of(&a, tl), true);
        if (bad != 0) {
            print_strict_error(&a, tl, bad);
            timeline_destroy(tl);
            trace_free(t);
            return 1;
        }
        if (!a.log) {
            int rc = finish_replay(&a, tl);
            timeline_destroy(tl);
            trace_free(t);
            return rc;
        }
        timeline_destroy(tl);
    }

    if (!a.log) {
        struct trace_reader *r = NULL;
        struct timeline *tl = run_streamed(&a, &r);
        if (tl == NULL)
            return load_status;
        int rc = finish_replay(&a, tl);
        timeline_destroy(tl);
        trace_reader_close(r);
        return rc;
    }

    /* --log: the whole trace is loaded (and so known valid) before a line is
     * printed. */
    struct log_ctx lc;
    lc.tl = NULL;
    p.log = log_event;
    p.log_ctx = &lc;
    p.flags = TIMELINE_NO_CHECKPOINTS; /* keep the boot's events for log_boot */
    struct timeline *tl = open_timeline(&a, &p, &t);
    if (tl == NULL) {
        trace_free(t); /* the strict run's trace, if any */
        return load_status;
    }
    lc.tl = tl;
    log_boot(&lc, tl);
    run_to(tl, target_of(&a, tl), false);
    int rc = finish_replay(&a, tl);
    timeline_destroy(tl);
    trace_free(t);
    return rc;
}

/* ---- translate ---- */

struct addr_list {
    uint64_t *v;
    size_t n, cap;
};

static bool addr_push(struct addr_list *l, uint64_t v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        uint64_t *n = realloc(l->v, cap * sizeof *n);
        if (n == NULL)
            return false;
        l->v = n;
        l->cap = cap;
    }
    l->v[l->n++] = v;
    return true;
}

/* Reads addresses from stdin, one per line (blank lines and # comments are
 * skipped). On a bad line prints "-:LINE:COL: error:" and returns false. */
static bool read_stdin_addrs(struct addr_list *l)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        char *s = line;
        char *end = line + len;
        char *hash = memchr(s, '#', (size_t)len);
        if (hash != NULL)
            end = hash;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (s == end)
            continue;
        *end = '\0';
        uint64_t v;
        if (memchr(s, '\0', (size_t)(end - s)) != NULL || !trace_number_parse(s, false, &v)) {
            char tok[256];
            trace_escape(tok, sizeof tok, s, strnlen(s, 60));
            fprintf(stderr, "-:%u:%u: error: bad address '%s' (want hex with 0x or decimal)\n",
                    lineno, (unsigned)(s - line) + 1, tok);
            ok = false;
        } else if (!addr_push(l, v)) {
            fprintf(stderr, "pagesim: out of memory\n");
            ok = false;
        }
    }
    free(line);
    return ok;
}

static const char *vector_name(uint8_t v)
{
    return v == 13 ? "#GP" : v == 14 ? "#PF" : "#?";
}

static void print_probe_json(FILE *f, const struct timeline_probe *pr)
{
    const struct mmu_result *r = &pr->res;
    fputs("{\"vaddr\": ", f);
    json_hex(f, pr->va);
    fprintf(f, ", \"access\": \"%s\", \"user\": %s, \"paddr\": ", mmu_access_name(pr->access),
            pr->user ? "true" : "false");
    if (pr->ok)
        json_hex(f, r->pa);
    else
        fputs("null", f);
    fputs(",\n  \"fault\": ", f);
    if (pr->ok) {
        fputs("null", f);
    } else {
        /* #GP for a non-canonical address pushes no error code of interest
         * (CONTRACT 3: "no error code"): null, as CR2 is not written either. */
        fprintf(f, "{\"vector\": \"%s\", \"error_code\": ", vector_name(r->fault.vector));
        if (r->fault.vector == X86_VEC_PF)
            fprintf(f, "\"0x%x\"", (unsigned)r->fault.error_code);
        else
            fputs("null", f);
        fputs(", \"reason\": ", f);
        json_string(f, mmu_fault_reason_name((enum fault_reason)r->fault.reason));
        fputs(", \"addr\": ", f);
        json_hex(f, r->fault.addr);
        fputs("}", f);
    }
    fputs(", \"page_size\": ", f);
    if (pr->ok)
        json_uint(f, r->page_size);
    else
        fputs("null", f);
    fputs(",\n  \"walk\": [", f);
    for (unsigned i = 0; i < r->nsteps && i < 4; i++) {
        const struct walk_step *s = &r->steps[i];
        fprintf(f, "%s{\"level\": \"%s\", \"table\": ", i ? ", " : "",
                mmu_level_name((enum walk_level)s->level));
        json_hex(f, s->table);
        fprintf(f, ", \"index\": %u, \"entry_addr\": ", (unsigned)s->index);
        json_hex(f, s->entry_addr);
        fputs(", \"entry\": ", f);
        json_hex(f, s->entry);
        fputs("}", f);
    }
    fputs("],\n  \"tlb\": ", f);
    if (pr->tlb_has) {
        fputs("{\"paddr\": ", f);
        json_hex(f, pr->tlb_pa);
        fputs(", \"page_size\": ", f);
        json_uint(f, UINT64_C(1) << pr->tlb.shift);
        fputs("}", f);
    } else {
        fputs("null", f);
    }
    fputs("}", f);
}

/* The flags of an entry at depth d of mode g in words, as sim/paging.h's
 * flag table reads each bit there: "P RW US A D PS G XD"; bit 7 is "PS" or
 * "PAT" (or "bit7" where it is reserved, nothing where it is ignored). */
static void put_flags(FILE *f, const struct paging_geom *g, unsigned d, uint64_t e)
{
    bool any = false;
    for (unsigned c = 0; c < PAGING_FLAG_COLUMNS; c++) {
        unsigned bit = paging_flag_column_bit(c);
        const struct paging_flag *fl = paging_flag_at(g, d, bit);
        if (fl == NULL || !(e >> bit & 1))
            continue;
        if (fl == paging_flag(PFLAG_RSVD))
            fprintf(f, "%sbit%u", any ? " " : "", bit);
        else
            fprintf(f, "%s%s", any ? " " : "", fl->name);
        any = true;
    }
    if (!any)
        fputs("-", f);
}

static void print_probe_text(FILE *f, const struct paging_geom *g, const struct timeline_probe *pr)
{
    const struct mmu_result *r = &pr->res;
    fprintf(f, "0x%08llx (%s %s): ", (unsigned long long)pr->va, pr->user ? "user" : "supervisor",
            mmu_access_name(pr->access));
    if (pr->ok) {
        fprintf(f, "0x%08llx (%llu-byte page)\n", (unsigned long long)r->pa,
                (unsigned long long)r->page_size);
    } else if (r->fault.vector == 13) {
        fprintf(f, "#GP(0): %s\n", mmu_fault_reason_name((enum fault_reason)r->fault.reason));
    } else {
        fprintf(f, "#PF error code 0x%x: %s\n", (unsigned)r->fault.error_code,
                mmu_fault_reason_name((enum fault_reason)r->fault.reason));
    }
    for (unsigned i = 0; i < r->nsteps && i < 4; i++) {
        const struct walk_step *s = &r->steps[i];
        fprintf(f, "  %-5s index %3u of table 0x%08llx, entry at 0x%08llx = 0x%08llx  [",
                mmu_level_name((enum walk_level)s->level), (unsigned)s->index,
                (unsigned long long)s->table, (unsigned long long)s->entry_addr,
                (unsigned long long)s->entry);
        put_flags(f, g, i, s->entry);
        fputs("]\n", f);
    }
    if (pr->tlb_has) {
        fprintf(f, "  TLB    holds page 0x%08llx -> frame 0x%08llx: gives 0x%08llx%s\n",
                (unsigned long long)pr->tlb.va, (unsigned long long)pr->tlb.pa,
                (unsigned long long)pr->tlb_pa,
                pr->ok && pr->tlb_pa != r->pa ? " (stale: differs from the tables)"
                : !pr->ok                     ? " (stale: the tables fault)"
                                              : "");
    } else {
        fputs("  TLB    no entry for this page\n", f);
    }
}

int cli_translate(int argc, char **argv)
{
    struct args a;
    int st = parse_args(CMD_TRANSLATE, argc, argv, 1, &a);
    if (st >= 0) {
        free(a.addrs);
        return st;
    }
    struct addr_list addrs = {NULL, 0, 0};
    bool from_stdin = a.naddrs == 1 && strcmp(a.addrs[0], "-") == 0;
    if (!from_stdin) {
        for (int i = 0; i < a.naddrs; i++) {
            uint64_t v;
            if (!trace_number_parse(a.addrs[i], false, &v)) {
                char msg[160];
                snprintf(msg, sizeof msg, "bad VADDR '%.100s' (want hex with 0x or decimal)",
                         a.addrs[i]);
                free(a.addrs);
                free(addrs.v);
                return cli_usage_error(msg);
            }
            if (!addr_push(&addrs, v)) {
                free(a.addrs);
                free(addrs.v);
                fprintf(stderr, "pagesim: out of memory\n");
                return 1;
            }
        }
    }
    free(a.addrs);

    struct trace_reader *r = NULL;
    struct timeline *tl = run_streamed(&a, &r);
    if (tl == NULL) {
        free(addrs.v);
        return load_status;
    }
    if (from_stdin && !read_stdin_addrs(&addrs)) {
        timeline_destroy(tl);
        trace_reader_close(r);
        free(addrs.v);
        return 1;
    }

    enum mmu_access acc = a.write ? MMU_WRITE : a.exec ? MMU_EXEC : MMU_READ;
    FILE *f = stdout;
    if (a.json)
        fputs("[", f);
    for (size_t i = 0; i < addrs.n; i++) {
        struct timeline_probe pr;
        timeline_translate(tl, addrs.v[i], acc, a.user, &pr);
        if (a.json) {
            fputs(i ? ",\n " : "", f);
            print_probe_json(f, &pr);
        } else {
            print_probe_text(f, paging_geom(machine_config(timeline_machine(tl))->paging), &pr);
        }
    }
    if (a.json)
        fputs("]\n", f);
    timeline_destroy(tl);
    trace_reader_close(r);
    free(addrs.v);
    return fflush(stdout) == 0 ? 0 : 1;
}
