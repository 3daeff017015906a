/*
 * translate.c - `pagesim translate` (CONTRACT 3): the addresses from the
 * command line or standard input, the side-effect-free probe of each after
 * the replay, and its walk printed step by step, in text or as JSON.
 */
#include "cli/cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli/args.h"
#include "cli/json.h"
#include "replay/timeline.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/paging.h"
#include "sim/x86.h"
#include "trace/trace.h"

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
    for (unsigned i = 0; i < r->nsteps && i < PAGING_MAX_LEVELS; i++) {
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
    for (unsigned i = 0; i < r->nsteps && i < PAGING_MAX_LEVELS; i++) {
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
    struct cli_args a;
    int st = cli_parse_args(CMD_TRANSLATE, argc, argv, 1, &a);
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
    struct cli_expect x;
    memset(&x, 0, sizeof x);
    x.path = a.trace;
    struct timeline *tl = cli_run_streamed(&a, &x, &r);
    if (tl == NULL) {
        cli_expect_flush(&x, false);
        free(addrs.v);
        return cli_load_status();
    }
    if (from_stdin && !read_stdin_addrs(&addrs)) {
        cli_expect_flush(&x, false);
        timeline_destroy(tl);
        trace_reader_close(r);
        free(addrs.v);
        return 1;
    }

    /* Failed expectations as replay reports them, and exit 3 (CONTRACT 1). */
    cli_expect_flush(&x, true);
    uint64_t passed, failed;
    timeline_expect_counts(tl, &passed, &failed);
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
    if (fflush(stdout) != 0)
        return 1;
    return failed > 0 ? 3 : 0;
}
