/*
 * record.h - `pagesim record -o FILE -- COMMAND [ARGS...]`: runs COMMAND
 * under glibc's own malloc tracer and leaves its mtrace log (CONTRACT 2.3)
 * in FILE, ready for `pagesim FILE` or `pagesim replay FILE`.
 */
#ifndef PAGESIM_CLI_RECORD_H
#define PAGESIM_CLI_RECORD_H

/* `pagesim record`: argv[0] is "record". Creates (or truncates) FILE, then
 * runs COMMAND (searched in $PATH) with glibc's libc_malloc_debug.so.0 and
 * pagesim's helper library prepended to $LD_PRELOAD and MALLOC_TRACE naming
 * FILE, waits for it and returns its exit status: the command's own status,
 * 128+N when signal N killed it, 127 when it could not be run. Returns 2
 * after a bad command line (usage on stderr), 1 when glibc's tracer or the
 * helper cannot be found or FILE cannot be created (message on stderr; the
 * command is not run). Prints nothing on stdout: that belongs to COMMAND.
 * Environment: PAGESIM_MALLOC_DEBUG names the tracer library,
 * PAGESIM_MTRACE_HELPER the helper, instead of searching for them. */
int cli_record_main(int argc, char **argv);

#endif
