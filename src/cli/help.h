/*
 * help.h - the one source of every command's usage text (CONTRACT 1:
 * `pagesim --help`, `pagesim COMMAND --help`, `pagesim help [COMMAND]`).
 * Each command has a synopsis, a paragraph and a table of options; the
 * usage errors of every command print the synopsis from here, and
 * tests/cli/cli_help.sh checks docs/pagesim.1's option lists against these
 * tables, so the man page cannot drift from the program.
 */
#ifndef PAGESIM_CLI_HELP_H
#define PAGESIM_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* Writes the help of command name ("visualizer", "replay", "translate",
 * "quiz", "record"; "view" is the visualizer too) to f: "usage: ..." line
 * (the synopsis), what it does, its options, one per line as "  --opt ARG
 * text". Returns false, writing nothing, when there is no such command. */
bool cli_help_command(FILE *f, const char *name);

/* The synopsis of command name ("usage: pagesim quiz ...\n"), or NULL. */
const char *cli_help_synopsis(const char *name);

/* `pagesim help [COMMAND]` (argv[0] is "help"): the whole help, or one
 * command's, on stdout, exit 0; an unknown command or a second word is a
 * bad command line (exit 2). */
int cli_help_main(int argc, char **argv);

#endif
