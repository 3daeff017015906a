/*
 * main.c - the command-line entry of pagesim: dispatch only (CONTRACT 1).
 * `replay`, `translate`, `quiz` and `record` go to cli/, everything else is the interactive
 * visualizer of ui/, after the shared options are parsed.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/help.h"
#include "cli/quiz.h"
#include "cli/record.h"
#include "config.h"
#include "replay/options.h"
#include "ui/app.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("no TRACE given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cli_help(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("pagesim %s\n", PAGESIM_VERSION);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "help") == 0)
        return cli_help_main(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return cli_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "translate") == 0)
        return cli_translate(argc - 1, argv + 1);
    if (strcmp(cmd, "quiz") == 0)
        return cli_quiz_main(argc - 1, argv + 1);
    if (strcmp(cmd, "record") == 0)
        return cli_record_main(argc - 1, argv + 1);

    const char *path = NULL;
    struct replay_options opts;
    int st = cli_interactive_args(argc, argv, &path, &opts);
    if (st >= 0)
        return st;
    return ui_main(path, &opts);
}
