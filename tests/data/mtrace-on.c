/*
 * mtrace-on.c - turns glibc's malloc tracer on in any program, for recording
 * the real mtrace logs in this directory (see README.md). Build it ad hoc:
 *   gcc -shared -fPIC -o /tmp/mtrace-on.so mtrace-on.c
 * and preload it after glibc's debug malloc library, with MALLOC_TRACE naming
 * the log file. The constructor runs before main, so the log covers the
 * program's own allocations (and its libraries').
 */
#include <mcheck.h>

__attribute__((constructor)) static void mtrace_on(void)
{
    mtrace();
}
