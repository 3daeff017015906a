/*
 * help.c - every command's usage text, in one place (help.h): a table of
 * commands, each with its synopsis, a paragraph and its options. `pagesim
 * --help` prints them all; `pagesim COMMAND --help` and `pagesim help
 * COMMAND` one. docs/pagesim.1 lists the same options, checked by
 * tests/cli/cli_help.sh.
 */
#include "cli/help.h"

#include <string.h>

#include "cli/cli.h"

struct help_opt {
    const char *name; /* "--ram SIZE", "-o, --output FILE" */
    const char *text;
};

struct help_cmd {
    const char *name;
    const char *synopsis; /* the usage line, ending in a newline */
    const char *about;    /* a paragraph, each line ending in a newline */
    const struct help_opt *opts;
    const char *more; /* after the options (NULL: nothing) */
};

/* The options of the visualizer, replay and translate (CONTRACT 1). */
#define SHARED_OPTS                                                                                \
    {"--ram SIZE", "simulated physical RAM, a multiple of 4K (e.g. 16M, 4G)"},                     \
        {"--paging MODE", "32, pse, pae or long"},                                                 \
        {"--tlb ENTRIES[:WAYS]", "TLB geometry (default 64:4)"},                                   \
    {                                                                                              \
        "--at N[.E]", "stop after operation N, or inside it after its event E"                     \
    }

static const struct help_opt visualizer_opts[] = {
    SHARED_OPTS,
    {"-h, --help", "this text"},
    {NULL, NULL},
};

static const struct help_opt replay_opts[] = {
    SHARED_OPTS,
    {"--json", "the summary as one JSON object"},
    {"--log", "every micro-event, one line each, before the summary"},
    {"--save-ram FILE", "write the simulated physical memory to FILE (raw bytes)"},
    {"--strict", "exit 1 at the first diagnostic"},
    {"-h, --help", "this text"},
    {NULL, NULL},
};

static const struct help_opt translate_opts[] = {
    SHARED_OPTS,
    {"--json", "an array, one object per address"},
    {"--write", "check a write (default: a read)"},
    {"--user", "check a user-mode access (default: supervisor)"},
    {"--exec", "check an instruction fetch"},
    {"-h, --help", "this text"},
    {NULL, NULL},
};

static const struct help_opt quiz_opts[] = {
    {"--seed N", "the seed of the workload and the questions (default 1)"},
    {"--paging MODE", "32, pse, pae or long (default 32)"},
    {"--ram SIZE", "simulated RAM, e.g. 16M (default 16M)"},
    {"--count K", "number of questions, 1 to 100 (default 5)"},
    {"--answers", "print each answer and its walk, step by step"},
    {"--json", "an array of {question, text, vaddr, access, user, answer}"},
    {"-h, --help", "this text"},
    {NULL, NULL},
};

static const struct help_opt record_opts[] = {
    {"-o, --output FILE", "the log to write (created or truncated)"},
    {"-h, --help", "this text"},
    {NULL, NULL},
};

static const struct help_cmd commands[] = {
    {"visualizer", "usage: pagesim [OPTIONS] TRACE\n",
     "The interactive visualizer (needs a terminal with cursor addressing): frames,\n"
     "page tables, the walk of an address, the TLB, the heap and the event log,\n"
     "stepping forwards and backwards. TRACE is a file in the native format or a\n"
     "glibc mtrace log. Press ? in it for every key.\n",
     visualizer_opts, NULL},
    {"replay", "usage: pagesim replay [OPTIONS] TRACE\n",
     "Runs the whole trace headless and prints a summary. TRACE is a file in the\n"
     "native format or a glibc mtrace log, or - for stdin. The options override the\n"
     "trace's configuration lines.\n",
     replay_opts, NULL},
    {"translate", "usage: pagesim translate [OPTIONS] TRACE VADDR...\n",
     "Replays the trace (to --at), then shows the page walk of each address as the\n"
     "MMU would do it, changing nothing, and what the TLB holds for its page.\n",
     translate_opts,
     "VADDR is hex with 0x or decimal; a single - reads addresses from stdin, one per line.\n"},
    {"quiz",
     "usage: pagesim quiz [--seed N] [--paging 32|pse|pae|long] [--ram SIZE] [--count K]"
     " [--answers] [--json]\n",
     "Prints a machine state (paging mode, CR0, CR3, CR4, EFER and the present\n"
     "entries of the tables involved) and K addresses with accesses to translate\n"
     "by hand, answers hidden.\n",
     quiz_opts, NULL},
    {"record", "usage: pagesim record -o FILE -- COMMAND [ARGS...]\n",
     "Runs COMMAND under glibc's malloc tracer (libc_malloc_debug.so.0, glibc 2.34 or\n"
     "later) and writes its mtrace log to FILE; `pagesim FILE` then shows it.\n"
     "Only the process COMMAND starts is traced (through any exec), not its children;\n"
     "static and set-user-ID programs cannot be traced.\n",
     record_opts,
     "Environment: PAGESIM_MALLOC_DEBUG names the tracer library, PAGESIM_MTRACE_HELPER\n"
     "pagesim's helper library, instead of searching for them.\n"
     "Exit status: COMMAND's, 128+N if signal N killed it, 127 if it could not be run,\n"
     "1 if recording is impossible or the log could not be written, 2 bad command line.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char exit_text[] =
    "Exit status: 0 done, 1 the trace could not be read (or --strict), 2 bad command\n"
    "line (or, for the visualizer, no terminal that it can drive), 3 an expect line\n"
    "of the trace did not hold (replay, translate).\n";

static const struct help_cmd *find(const char *name)
{
    if (name != NULL && strcmp(name, "view") == 0)
        name = "visualizer";
    for (size_t i = 0; name != NULL && i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

const char *cli_help_synopsis(const char *name)
{
    const struct help_cmd *c = find(name);
    return c != NULL ? c->synopsis : NULL;
}

static void put_opts(FILE *f, const struct help_opt *o)
{
    for (; o->name != NULL; o++) {
        int w = (int)strlen(o->name);
        fprintf(f, "  %s%*s%s\n", o->name, w < 22 ? 23 - w : 1, "", o->text);
    }
}

bool cli_help_command(FILE *f, const char *name)
{
    const struct help_cmd *c = find(name);
    if (c == NULL)
        return false;
    fprintf(f, "%s\n%s\nOptions:\n", c->synopsis, c->about);
    put_opts(f, c->opts);
    if (c->more != NULL)
        fprintf(f, "\n%s", c->more);
    if (strcmp(c->name, "record") != 0 && strcmp(c->name, "quiz") != 0)
        fprintf(f, "\n%s", exit_text);
    return true;
}

void cli_help(FILE *f)
{
    fputs("usage: pagesim [OPTIONS] TRACE                     interactive visualizer\n"
          "       pagesim replay [OPTIONS] TRACE              replay headless, print a summary\n"
          "       pagesim translate [OPTIONS] TRACE VADDR...  replay, then show page walks\n"
          "       pagesim quiz [OPTIONS]                      paging exercises\n"
          "       pagesim record -o FILE -- COMMAND [ARGS...]  record a program's mtrace log\n"
          "       pagesim help [COMMAND] | COMMAND --help     a command's usage and options\n"
          "       pagesim --help | -h                         this help\n"
          "       pagesim --version                           the version\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct help_cmd *c = &commands[i];
        fprintf(f, "\n%s options (pagesim help %s):\n", c->name, c->name);
        put_opts(f, c->opts);
    }
    fprintf(f,
            "\nTRACE is a file in the native format or a glibc mtrace log, or - for stdin\n"
            "(replay and translate only).\n%s",
            exit_text);
}

int cli_help_main(int argc, char **argv)
{
    if (argc > 2)
        return cli_usage_error("help: one COMMAND at most");
    bool ok = true;
    if (argc < 2) {
        cli_help(stdout);
    } else if (!cli_help_command(stdout, argv[1])) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "help: no command '%.100s' (replay, translate, quiz, record, visualizer)",
                 argv[1]);
        return cli_usage_error(msg);
    }
    ok = fflush(stdout) == 0;
    return ok ? 0 : 1;
}
