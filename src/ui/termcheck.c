/*
 * termcheck.c - may the visualizer start here (termcheck.h)? A separate
 * file because <term.h> defines a macro for every terminfo capability
 * (lines, columns, ...), which would shadow names elsewhere.
 */
#include "termcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "trace/trace.h"

bool termcheck_usable(char *why, size_t len)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(why, len, "the visualizer needs a terminal on stdin and stdout");
        return false;
    }
    const char *term = getenv("TERM");
    if (term == NULL || term[0] == '\0') {
        snprintf(why, len, "TERM is not set: the visualizer needs to know the terminal");
        return false;
    }
    char name[256];
    trace_escape(name, sizeof name, term, strlen(term));
    int err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(why, len, "%s (TERM=%s)",
                 err == -1 ? "no terminfo database found" : "unknown terminal type", name);
        return false;
    }
    const char *cup = tigetstr("cup");
    bool addressable = cup != NULL && cup != (const char *)-1;
    del_curterm(cur_term);
    cur_term = NULL;
    if (!addressable) {
        snprintf(why, len,
                 "TERM=%s has no cursor addressing: the visualizer needs a full-screen "
                 "terminal",
                 name);
        return false;
    }
    return true;
}
