/*
 * replay.c - `pagesim replay` (CONTRACT 1): the run to --at, --log's event
 * lines, --strict's first diagnostic, --save-ram (save_ram.c), and the
 * summary in text or JSON.
 */
#include "cli/cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/json.h"
#include "cli/save_ram.h"
#include "replay/eventfmt.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/pfa.h"
#include "sim/tlb.h"
#include "trace/trace.h"

static uint64_t target_of(const struct cli_args *a, const struct timeline *tl)
{
    uint64_t n = timeline_len(tl);
    uint64_t at = cli_at_ops(&a->opts);
    if (a->opts.has_at && at < n)
        return at;
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
static void print_strict_error(const struct cli_args *a, const struct timeline *tl, uint64_t k)
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

static const char *const op_json_names[] = {"malloc", "calloc", "realloc", "free", "read", "write"};

/* The lesson directives (OP_PROTECT onwards) are counted in "ops" too, one key
 * each, named by their directive word ("protect", "invlpg", "cr3", "cr0",
 * "cr4", "exec"): always in JSON, in the text summary only when used, so the
 * summary of a trace without them reads as before. */

/* What both summaries print, read once from the machine and the timeline. */
struct summary {
    const struct trace *t;
    const struct machine_config *cfg;
    struct machine_stats st;
    struct pfa_stats fs;
    const struct tlb *tlb;
    struct tlb_stats ts;
    const struct cpu *cpu;
    uint64_t counts[OP_KIND_COUNT];
};

static void summary_gather(const struct timeline *tl, struct summary *s)
{
    const struct machine *m = timeline_machine(tl);
    s->t = timeline_trace(tl);
    s->cfg = machine_config(m);
    s->st = machine_stats(m);
    s->fs = pfa_stats(machine_pfa(m));
    s->tlb = machine_tlb(m);
    s->ts = tlb_stats(s->tlb);
    s->cpu = machine_cpu(m);
    timeline_op_counts(tl, s->counts);
}

static void print_json_summary(const struct cli_args *a, const struct timeline *tl)
{
    struct summary s;
    summary_gather(tl, &s);
    FILE *f = stdout;

    fputs("{\"trace\": ", f);
    json_string(f, a->trace);
    fprintf(f, ", \"format\": \"%s\", \"paging\": \"%s\",\n", trace_format_name(s.t->format),
            machine_paging_name(s.cfg->paging));
    fprintf(f, " \"ram_bytes\": %llu, \"operations\": %llu, \"at\": %llu,\n",
            (unsigned long long)s.cfg->ram_bytes, (unsigned long long)timeline_len(tl),
            (unsigned long long)timeline_pos(tl));
    if (a->opts.has_at_event) /* --at N.E: where inside op "at" the machine stopped */
        fprintf(f, " \"at_event\": %llu, \"op_events\": %llu, \"inside\": %s,\n",
                (unsigned long long)timeline_event_pos(tl),
                (unsigned long long)timeline_event_count(tl),
                timeline_inside(tl) ? "true" : "false");
    fputs(" \"ops\": {", f);
    for (size_t k = 0; k < sizeof op_json_names / sizeof op_json_names[0]; k++)
        fprintf(f, "%s\"%s\": %llu", k ? ", " : "", op_json_names[k],
                (unsigned long long)s.counts[k]);
    for (int k = OP_PROTECT; k < OP_KIND_COUNT; k++)
        fprintf(f, ", \"%s\": %llu", trace_op_name((enum op_kind)k),
                (unsigned long long)s.counts[k]);
    fprintf(f, "}, \"says\": %llu,\n", (unsigned long long)s.counts[OP_SAY]);
    fprintf(f,
            " \"heap\": {\"live_blocks\": %llu, \"live_bytes\": %llu, \"peak_live_bytes\": %llu,"
            " \"failed_allocs\": %llu},\n",
            (unsigned long long)s.st.live_blocks, (unsigned long long)s.st.live_bytes,
            (unsigned long long)s.st.peak_live_bytes, (unsigned long long)s.st.failed_allocs);
    fprintf(f,
            " \"frames\": {\"total\": %llu, \"free\": %llu, \"used\": %llu, \"reserved\": %llu},\n",
            (unsigned long long)s.fs.total, (unsigned long long)s.fs.free,
            (unsigned long long)s.fs.used, (unsigned long long)s.fs.reserved);
    fprintf(f,
            " \"tlb\": {\"hits\": %llu, \"misses\": %llu, \"flushes\": %llu, \"invlpg\": %llu,"
            " \"fills\": %llu, \"evictions\": %llu, \"entries\": %u, \"ways\": %u},\n",
            (unsigned long long)s.ts.hits, (unsigned long long)s.ts.misses,
            (unsigned long long)s.ts.flushes, (unsigned long long)s.ts.invlpg,
            (unsigned long long)s.ts.fills, (unsigned long long)s.ts.evictions, tlb_nentries(s.tlb),
            tlb_nways(s.tlb));
    fprintf(f, " \"page_faults\": %llu, \"gp_faults\": %llu, \"diagnostics\": %llu,\n",
            (unsigned long long)s.st.page_faults, (unsigned long long)s.st.gp_faults,
            (unsigned long long)s.st.diagnostics);
    fputs(" \"diagnostics_by_kind\": {", f);
    for (int d = 0; d < DIAG_COUNT; d++) {
        fputs(d ? ", " : "", f);
        json_string(f, machine_diag_name((enum diag_kind)d));
        fprintf(f, ": %llu", (unsigned long long)s.st.diag[d]);
    }
    fputs("},\n \"cpu\": {\"cr0\": ", f);
    json_hex(f, s.cpu->cr0);
    fputs(", \"cr2\": ", f);
    json_hex(f, s.cpu->cr2);
    fputs(", \"cr3\": ", f);
    json_hex(f, s.cpu->cr3);
    fputs(", \"cr4\": ", f);
    json_hex(f, s.cpu->cr4);
    fputs(", \"efer\": ", f);
    json_hex(f, s.cpu->efer);
    fprintf(f, ", \"maxphyaddr\": %u}", s.cpu->maxphyaddr);
    if (timeline_has_expects(tl)) {
        uint64_t passed, failed;
        timeline_expect_counts(tl, &passed, &failed);
        fprintf(f, ",\n \"expect\": {\"passed\": %llu, \"failed\": %llu}",
                (unsigned long long)passed, (unsigned long long)failed);
    }
    fputs("}\n", f);
}

static void print_text_summary(const struct cli_args *a, const struct timeline *tl)
{
    struct summary s;
    summary_gather(tl, &s);
    FILE *f = stdout;

    char name[768];
    trace_escape(name, sizeof name, a->trace, strlen(a->trace));
    fprintf(f, "trace        %s (%s), operation %llu of %llu\n", name,
            trace_format_name(s.t->format), (unsigned long long)timeline_pos(tl),
            (unsigned long long)timeline_len(tl));
    if (a->opts.has_at_event && timeline_inside(tl))
        fprintf(f, "stopped      inside operation %llu, after micro-event %llu of %llu\n",
                (unsigned long long)timeline_pos(tl), (unsigned long long)timeline_event_pos(tl),
                (unsigned long long)timeline_event_count(tl));
    fprintf(f, "machine      paging %s, RAM %llu bytes (%llu frames), TLB %u entries x %u ways\n",
            machine_paging_name(s.cfg->paging), (unsigned long long)s.cfg->ram_bytes,
            (unsigned long long)s.fs.total, tlb_nentries(s.tlb), tlb_nways(s.tlb));
    fputs("ops         ", f);
    for (int k = 0; k <= OP_SAY; k++)
        fprintf(f, "%s %s %llu", k ? "," : "", trace_op_name((enum op_kind)k),
                (unsigned long long)s.counts[k]);
    for (int k = OP_PROTECT; k < OP_KIND_COUNT; k++) {
        if (s.counts[k] != 0)
            fprintf(f, ", %s %llu", trace_op_name((enum op_kind)k),
                    (unsigned long long)s.counts[k]);
    }
    fputc('\n', f);
    fprintf(f,
            "heap         %llu live blocks, %llu live bytes, peak %llu bytes, %llu failed "
            "allocations\n",
            (unsigned long long)s.st.live_blocks, (unsigned long long)s.st.live_bytes,
            (unsigned long long)s.st.peak_live_bytes, (unsigned long long)s.st.failed_allocs);
    fprintf(f, "frames       %llu total: %llu free, %llu used, %llu reserved\n",
            (unsigned long long)s.fs.total, (unsigned long long)s.fs.free,
            (unsigned long long)s.fs.used, (unsigned long long)s.fs.reserved);
    fprintf(f,
            "TLB          %llu hits, %llu misses, %llu fills, %llu evictions, %llu flushes, "
            "%llu INVLPG\n",
            (unsigned long long)s.ts.hits, (unsigned long long)s.ts.misses,
            (unsigned long long)s.ts.fills, (unsigned long long)s.ts.evictions,
            (unsigned long long)s.ts.flushes, (unsigned long long)s.ts.invlpg);
    fprintf(f, "faults       %llu page faults (#PF), %llu general protection (#GP)\n",
            (unsigned long long)s.st.page_faults, (unsigned long long)s.st.gp_faults);
    fprintf(f, "diagnostics  %llu", (unsigned long long)s.st.diagnostics);
    bool any = false;
    for (int d = 0; d < DIAG_COUNT; d++) {
        if (s.st.diag[d] == 0)
            continue;
        fprintf(f, "%s%s %llu", any ? ", " : " (", machine_diag_name((enum diag_kind)d),
                (unsigned long long)s.st.diag[d]);
        any = true;
    }
    fputs(any ? ")\n" : "\n", f);
    fprintf(f,
            "registers    CR0=0x%08llx CR2=0x%08llx CR3=0x%08llx CR4=0x%08llx EFER=0x%08llx "
            "(%s paging, MAXPHYADDR %u)\n",
            (unsigned long long)s.cpu->cr0, (unsigned long long)s.cpu->cr2,
            (unsigned long long)s.cpu->cr3, (unsigned long long)s.cpu->cr4,
            (unsigned long long)s.cpu->efer, cpu_mode_name(cpu_paging_mode(s.cpu)),
            s.cpu->maxphyaddr);
    if (timeline_has_expects(tl)) {
        uint64_t passed, failed;
        timeline_expect_counts(tl, &passed, &failed);
        fprintf(f, "expect       %llu held, %llu failed\n", (unsigned long long)passed,
                (unsigned long long)failed);
    }
}

/* The end of a replay that reached its target: the failed expectations on
 * stderr, --save-ram, then the summary (JSON or text), flushed. Returns the
 * exit status: 3 when an `expect` line failed (CONTRACT 1). */
static int finish_replay(const struct cli_args *a, const struct timeline *tl, struct cli_expect *x)
{
    int rc = 0;
    cli_expect_flush(x, true);
    if (a->save_ram != NULL && !cli_save_ram(a->save_ram, timeline_machine(tl)))
        rc = 1;
    if (rc == 0) {
        if (a->json)
            print_json_summary(a, tl);
        else
            print_text_summary(a, tl);
    }
    if (fflush(stdout) != 0)
        rc = 1;
    uint64_t passed, failed;
    timeline_expect_counts(tl, &passed, &failed);
    if (rc == 0 && failed > 0)
        rc = 3;
    return rc;
}

int cli_replay(int argc, char **argv)
{
    struct cli_args a;
    int st = cli_parse_args(CMD_REPLAY, argc, argv, 1, &a);
    free(a.addrs);
    if (st >= 0)
        return st;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    struct trace *t = NULL;
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    struct cli_expect x;
    memset(&x, 0, sizeof x);
    x.path = a.trace;

    st = cli_save_ram_check(a.trace, a.save_ram);
    if (st >= 0)
        return st;

    /* --strict: a silent first run finds the first diagnostic, so that an
     * error never leaves --log lines on stdout. The trace is loaded once and
     * kept for the --log run: a second read of standard input would find it
     * empty. */
    if (a.strict) {
        struct timeline_params sp = p;
        sp.flags = TIMELINE_NO_CHECKPOINTS; /* events on: the message needs them */
        if (!a.log) {                       /* else the --log run reports them */
            sp.expect = cli_expect_report;
            sp.expect_ctx = &x;
        }
        struct timeline *tl = cli_open_timeline(&a, &sp, &t);
        if (tl == NULL)
            return cli_load_status();
        uint64_t bad = run_to(tl, target_of(&a, tl), true);
        if (bad == 0)
            cli_at_event(&a.opts, tl);
        if (bad != 0) {
            cli_expect_flush(&x, true);
            print_strict_error(&a, tl, bad);
            timeline_destroy(tl);
            trace_free(t);
            return 1;
        }
        if (!a.log) {
            int rc = finish_replay(&a, tl, &x);
            timeline_destroy(tl);
            trace_free(t);
            return rc;
        }
        timeline_destroy(tl);
    }

    if (!a.log) {
        struct trace_reader *r = NULL;
        struct timeline *tl = cli_run_streamed(&a, &x, &r);
        if (tl == NULL) {
            cli_expect_flush(&x, false);
            return cli_load_status();
        }
        int rc = finish_replay(&a, tl, &x);
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
    x.log = true;
    x.hold_log = true; /* the boot's lines come after its events (log_boot) */
    p.expect = cli_expect_report;
    p.expect_ctx = &x;
    p.flags = TIMELINE_NO_CHECKPOINTS; /* keep the boot's events for log_boot */
    struct timeline *tl = cli_open_timeline(&a, &p, &t);
    if (tl == NULL) {
        cli_expect_flush(&x, false);
        trace_free(t); /* the strict run's trace, if any */
        return cli_load_status();
    }
    lc.tl = tl;
    log_boot(&lc, tl);
    cli_expect_release(&x);
    run_to(tl, target_of(&a, tl), false);
    cli_at_event(&a.opts, tl);
    int rc = finish_replay(&a, tl, &x);
    timeline_destroy(tl);
    trace_free(t);
    return rc;
}
