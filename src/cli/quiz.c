/*
 * quiz.c - `pagesim quiz`: the command-line side of the translation quiz.
 *
 * The generator (replay/quiz.h) builds the machine, runs a seeded workload
 * and draws the questions; this file parses the options, then prints what a
 * student needs to answer by hand (SDM Vol. 3A chapter 4): the paging mode,
 * CR0, CR3, CR4 and EFER decoded, and every table on some question's walk
 * path, once each, with only its present entries (index, raw value, flags).
 * Which question uses which table is left for the student to find. With
 * --answers each question is followed by its answer (machine_probe's, no side
 * effect) and the walk explained step by step; --json prints an array of
 * {question, text, vaddr, access, user, answer} instead.
 *
 * Nothing here reads the clock or the environment: the same options give
 * byte-identical output.
 */
#include "cli/quiz.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/help.h"
#include "limits/limits.h"
#include "replay/options.h"
#include "replay/quiz.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/paging.h"
#include "sim/x86.h"
#include "trace/trace.h"

struct quiz_args {
    struct quiz_config cfg;
    bool answers;
    bool json;
    bool help;
};

static int usage_error(const char *fmt, const char *what)
{
    fputs("pagesim: quiz: ", stderr);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    fputs(cli_help_synopsis("quiz"), stderr);
    return 2;
}

/* "--name value" or "--name=value": the value, or NULL when missing. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *w = argv[*i];
    if (w[n] == '=')
        return w + n + 1;
    if (*i + 1 >= argc)
        return NULL;
    (*i)++;
    return argv[*i];
}

static bool is_option(const char *w, const char *name)
{
    size_t n = strlen(name);
    return strncmp(w, name, n) == 0 && (w[n] == '\0' || w[n] == '=');
}

/* Parses argv[1..]; returns -1 when the quiz should run, else the exit status. */
static int parse(int argc, char **argv, struct quiz_args *a)
{
    quiz_config_default(&a->cfg);
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        const char *v;
        uint64_t n;
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            a->help = true;
        } else if (strcmp(w, "--answers") == 0) {
            a->answers = true;
        } else if (strcmp(w, "--json") == 0) {
            a->json = true;
        } else if (is_option(w, "--seed")) {
            v = value_of(argc, argv, &i, "--seed");
            if (v == NULL)
                return usage_error("%s needs a value", "--seed");
            if (!trace_number_parse(v, false, &n))
                return usage_error("bad seed '%s' (want a decimal or 0x hex number)", v);
            a->cfg.seed = n;
        } else if (is_option(w, "--count")) {
            v = value_of(argc, argv, &i, "--count");
            if (v == NULL)
                return usage_error("%s needs a value", "--count");
            if (!trace_number_parse(v, false, &n) || n < 1 || n > QUIZ_MAX_QUESTIONS)
                return usage_error("bad count '%s' (want 1 to 100)", v);
            a->cfg.count = (unsigned)n;
        } else if (is_option(w, "--paging")) {
            v = value_of(argc, argv, &i, "--paging");
            if (v == NULL)
                return usage_error("%s needs a value", "--paging");
            enum paging_mode p;
            if (!trace_paging_parse(v, &p))
                return usage_error("bad paging mode '%s' (want 32, pse, pae or long)", v);
            a->cfg.paging = p;
        } else if (is_option(w, "--ram")) {
            v = value_of(argc, argv, &i, "--ram");
            if (v == NULL)
                return usage_error("%s needs a value", "--ram");
            char msg[128];
            if (!trace_number_parse(v, true, &n))
                return usage_error("--ram %s: not a RAM size (want e.g. 16M)", v);
            if (!replay_check_ram(n, msg, sizeof msg)) {
                char why[256];
                snprintf(why, sizeof why, "--ram %.60s: %s", v, msg);
                return usage_error("%s", why);
            }
            a->cfg.ram_bytes = n;
        } else {
            return usage_error(w[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", w);
        }
    }
    if (a->help) {
        cli_help_command(stdout, "quiz");
        return fflush(stdout) == 0 ? 0 : 1;
    }
    /* 32-bit entries hold 32-bit frame addresses (limits.h's rule). */
    struct limits_config lc = {
        .ram = a->cfg.ram_bytes,
        .entries32 = paging_geom(a->cfg.paging)->entry_bytes == 4,
    };
    if (limits_check(&lc).rule == LIMITS_RAM_PAST_32BIT)
        return usage_error("%s", "RAM above 4G needs --paging pae or long");
    return -1;
}

static const char *mode_text(enum paging_mode p)
{
    switch (p) {
    case PAGING_32:
        return "32-bit paging, 4 KiB pages (SDM 4.3): PD -> PT, 4-byte entries";
    case PAGING_PSE:
        return "32-bit paging with CR4.PSE=1 (SDM 4.3): PD -> PT, 4-byte entries, 4 MiB pages"
               " where a PDE has PS=1";
    case PAGING_PAE:
        return "PAE paging (SDM 4.4): PDPT (4 entries) -> PD -> PT, 8-byte entries, 2 MiB pages"
               " where a PDE has PS=1";
    case PAGING_LONG:
        return "4-level paging (SDM 4.5): PML4 -> PDPT -> PD -> PT, 8-byte entries, 48-bit"
               " canonical addresses";
    case PAGING_OFF:
        break;
    }
    return "?";
}

static unsigned bit(uint64_t v, uint64_t mask)
{
    return (v & mask) != 0;
}

/* The heading of a table holding entries of level lvl. */
static const char *title(enum walk_level lvl)
{
    switch (lvl) {
    case LVL_PML4E:
        return "PML4";
    case LVL_PDPTE:
        return "PDPT";
    case LVL_PDE:
        return "Page directory";
    case LVL_PTE:
        return "Page table";
    }
    return "?";
}

static void print_state(FILE *f, const struct quiz *q)
{
    const struct quiz_config *cfg = quiz_config(q);
    const struct machine *m = quiz_machine(q);
    const struct cpu *c = machine_cpu(m);
    bool wide = paging_geom(cfg->paging)->entry_bytes == 8;
    uint64_t ram = machine_config(m)->ram_bytes;

    bool mib = (ram & ((UINT64_C(1) << 20) - 1)) == 0;
    fprintf(f, "pagesim quiz: seed %" PRIu64 ", paging %s, RAM %" PRIu64 " %s, %u question%s\n\n",
            cfg->seed, machine_paging_name(cfg->paging), mib ? ram >> 20 : ram >> 10,
            mib ? "MiB" : "KiB", quiz_count(q), quiz_count(q) == 1 ? "" : "s");
    fprintf(f, "Machine state (after a seeded allocation workload)\n");
    fprintf(f, "  mode  %s\n", mode_text(cfg->paging));
    fprintf(f, "  CR0  = 0x%08" PRIx64 "  PG=%u WP=%u ET=%u PE=%u\n", c->cr0,
            bit(c->cr0, X86_CR0_PG), bit(c->cr0, X86_CR0_WP), bit(c->cr0, X86_CR0_ET),
            bit(c->cr0, X86_CR0_PE));
    fprintf(f, "  CR3  = 0x%08" PRIx64 "\n", c->cr3);
    fprintf(f, "  CR4  = 0x%08" PRIx64 "  PGE=%u PAE=%u PSE=%u\n", c->cr4, bit(c->cr4, X86_CR4_PGE),
            bit(c->cr4, X86_CR4_PAE), bit(c->cr4, X86_CR4_PSE));
    fprintf(f, "  EFER = 0x%08" PRIx64 "  NXE=%u LMA=%u LME=%u\n", c->efer,
            bit(c->efer, X86_EFER_NXE), bit(c->efer, X86_EFER_LMA), bit(c->efer, X86_EFER_LME));
    if (wide)
        fprintf(f, "  MAXPHYADDR = %u\n", c->maxphyaddr);
    fprintf(f,
            "\nFlags: P present, RW writable / RO read-only, U user / S supervisor, PWT, PCD,\n"
            "A accessed, D dirty, PS large page (PAT in a PTE), G global%s.\n"
            "Entries not listed are not present (P=0).\n",
            wide ? ", XD execute-disable" : "");

    for (unsigned t = 0; t < quiz_table_count(q); t++) {
        const struct quiz_table *tb = quiz_table(q, t);
        fprintf(f, "\n%s at 0x%08" PRIx64 " (%u entries of %u bytes)\n",
                title((enum walk_level)tb->level), tb->pa, tb->nentries, tb->entry_bytes);
        unsigned shown = 0;
        for (unsigned i = 0; i < tb->nentries; i++) {
            uint64_t e = quiz_table_entry(q, tb, i);
            if (!(e & X86_PTE_P))
                continue;
            char fl[96];
            quiz_entry_flags(q, (enum walk_level)tb->level, e, fl, sizeof fl);
            fprintf(f, "  [%4u] 0x%0*" PRIx64 "  %s\n", i, tb->entry_bytes * 2, e, fl);
            shown++;
        }
        if (shown == 0)
            fprintf(f, "  (no present entry)\n");
    }
}

static void print_text(FILE *f, const struct quiz *q, bool answers)
{
    print_state(f, q);
    fprintf(f, "\nQuestions: for each access, the physical address, or the fault (vector,\n"
               "error code, CR2).\n");
    char text[128];
    char ans[512];
    char walk[8192];
    for (unsigned i = 0; i < quiz_count(q); i++) {
        quiz_question_text(q, i, text, sizeof text);
        fprintf(f, "\nQ%u. %s: physical address or fault?\n", i + 1, text);
        if (!answers)
            continue;
        quiz_answer_text(q, i, ans, sizeof ans);
        fprintf(f, "    Answer: %s\n", ans);
        quiz_explain(q, i, walk, sizeof walk);
        fputs(walk, f);
    }
}

static void print_json(FILE *f, const struct quiz *q)
{
    char text[128];
    fputs("[", f);
    for (unsigned i = 0; i < quiz_count(q); i++) {
        const struct quiz_question *qq = quiz_question(q, i);
        const struct mmu_result *r = &qq->answer;
        quiz_question_text(q, i, text, sizeof text);
        /* The text is made of fixed words and hex digits: no escaping needed. */
        fprintf(f, "%s\n  {\"question\": %u, \"text\": \"%s\", \"vaddr\": \"0x%08" PRIx64 "\", ",
                i == 0 ? "" : ",", i + 1, text, qq->va);
        fprintf(f, "\"access\": \"%s\", \"user\": %s, \"kind\": \"%s\",\n   \"answer\": {",
                mmu_access_name(qq->access), qq->user ? "true" : "false", quiz_kind_name(qq->kind));
        if (qq->ok) {
            fprintf(f,
                    "\"paddr\": \"0x%08" PRIx64 "\", \"page_size\": %" PRIu64 ", \"fault\": null}",
                    r->pa, r->page_size);
        } else {
            bool gp = r->fault.vector == X86_VEC_GP;
            fprintf(f, "\"paddr\": null, \"page_size\": null, \"fault\": {\"vector\": \"%s\", ",
                    gp ? "#GP" : "#PF");
            if (gp)
                fputs("\"error_code\": null", f);
            else
                fprintf(f, "\"error_code\": \"0x%" PRIx32 "\"", r->fault.error_code);
            fprintf(f, ", \"reason\": \"%s\", \"cr2\": ",
                    mmu_fault_reason_name((enum fault_reason)r->fault.reason));
            if (gp)
                fputs("null}}", f);
            else
                fprintf(f, "\"0x%08" PRIx64 "\"}}", r->fault.addr);
        }
        fputs(", \"walk\": [", f);
        for (unsigned s = 0; s < r->nsteps && s < PAGING_MAX_LEVELS; s++) {
            const struct walk_step *st = &r->steps[s];
            fprintf(f,
                    "%s{\"level\": \"%s\", \"table\": \"0x%08" PRIx64 "\", \"index\": %u, "
                    "\"entry_addr\": \"0x%08" PRIx64 "\", \"entry\": \"0x%08" PRIx64 "\"}",
                    s == 0 ? "" : ", ", mmu_level_name((enum walk_level)st->level), st->table,
                    (unsigned)st->index, st->entry_addr, st->entry);
        }
        fputs("]}", f);
    }
    fputs(quiz_count(q) == 0 ? "]\n" : "\n]\n", f);
}

int cli_quiz_main(int argc, char **argv)
{
    struct quiz_args a;
    memset(&a, 0, sizeof a);
    int st = parse(argc, argv, &a);
    if (st >= 0)
        return st;
    enum machine_status ms;
    struct quiz *q = quiz_create(&a.cfg, &ms);
    if (q == NULL) {
        if (ms == MACHINE_ERR_NO_MEMORY) {
            fputs("pagesim: quiz: out of memory\n", stderr);
            return 1;
        }
        return usage_error("%s", ms == MACHINE_ERR_BOOT ? "RAM too small to boot the machine"
                                                        : "bad machine configuration");
    }
    if (a.json)
        print_json(stdout, q);
    else
        print_text(stdout, q, a.answers);
    quiz_destroy(q);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
