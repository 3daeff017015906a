/*
 * mtrace-on.c - the tiny helper library `pagesim record` preloads after
 * glibc's libc_malloc_debug.so.0. glibc (2.34 and later) keeps its malloc
 * tracer in that separate library, and the tracer only starts when the
 * program calls mtrace(); this library's constructor makes that call, so any
 * dynamically linked program writes its allocations to $MALLOC_TRACE without
 * being changed or rebuilt. The log format is CONTRACT 2.3.
 *
 * Only one process writes the log: the one `pagesim record` started. It is
 * named by $PAGESIM_MTRACE_PID, which `pagesim record` sets to the pid of the
 * process it runs (preloaded by hand with only MALLOC_TRACE set, the library
 * sets it to the first process it finds itself in). Because exec keeps the pid, a wrapper that execs the real
 * program (a shell script, `env`, a pyenv shim) hands the tracing on: the new
 * image calls mtrace() again, and glibc truncates the log and starts it over,
 * so the log is the last program that process ran. Other processes must not
 * touch the log:
 *   - a descendant that execs (fork+exec, vfork, posix_spawn, system()) has
 *     another pid: its constructor does not call mtrace() and removes
 *     MALLOC_TRACE, PAGESIM_MTRACE_PID and both preloaded libraries from its
 *     environment, so its own children run untraced and unhooked;
 *   - a child forked without exec inherits the tracer and a copy of its
 *     buffered, not yet written lines: an atfork handler points the child's
 *     copy of the log descriptor at /dev/null, so neither reaches the file.
 *
 *
 * glibc's tracer buffers the log (512 bytes) and exit() flushes it, but
 * _exit() does not: a shell such as dash, which leaves through _exit(), would
 * lose its last lines and leave half a line behind. This library therefore
 * defines _exit and _Exit itself (preloaded, they come before libc's) and
 * flushes the log stream before ending the process. A process killed by a
 * signal still loses its unwritten tail; `pagesim record` cuts such a log
 * back to its last whole operation.
 *
 * Nothing here allocates after mtrace() returns, so the log holds only what
 * the program itself did.
 */
#include <fcntl.h>
#include <mcheck.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Called by the dynamic loader only; in no header. */
void pagesim_mtrace_on(void) __attribute__((constructor));

/* The head of glibc's list of open streams (exported by libc.so.6 since
 * GLIBC_2.2.5, declared in no public header). fopen() links each new stream
 * at the head, so right after mtrace() it is the tracer's log stream: the
 * only way to reach that stream, which glibc keeps in a static variable. */
extern FILE *_IO_list_all;

/* The tracer's log stream, or NULL when it was not identified. Written once
 * in the constructor, before any thread can exist. */
static FILE *log_stream;

/* The log's descriptor in this process, or -1 when it was not found. Written
 * once in the constructor, before any thread can exist; read in the atfork
 * handler. */
static int log_fd = -1;

/* True when path (a file name, possibly with directories) is one of the
 * libraries `pagesim record` preloads. */
static bool preloaded_by_record(const char *path, size_t n)
{
    size_t base = n;
    while (base > 0 && path[base - 1] != '/')
        base--;
    const char *name = path + base;
    size_t len = n - base;
    static const char *const ours[] = {"libc_malloc_debug.so.0", "libpagesim-mtrace.so"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        if (len == strlen(ours[i]) && memcmp(name, ours[i], len) == 0)
            return true;
    }
    return false;
}

/* Removes this library and glibc's tracer from $LD_PRELOAD (entries are
 * separated by ':' or spaces, as ld.so reads them), keeping every other
 * entry in order; unsets it when nothing is left. */
static void strip_ld_preload(void)
{
    const char *old = getenv("LD_PRELOAD");
    if (old == NULL)
        return;
    size_t n = strlen(old);
    char *kept = malloc(n + 1);
    if (kept == NULL)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && old[j] != ':' && old[j] != ' ')
            j++;
        if (j > i && !preloaded_by_record(old + i, j - i)) {
            if (k > 0)
                kept[k++] = ':';
            memcpy(kept + k, old + i, j - i);
            k += j - i;
        }
        i = j + 1;
    }
    kept[k] = '\0';
    if (k == 0)
        unsetenv("LD_PRELOAD");
    else
        setenv("LD_PRELOAD", kept, 1);
    free(kept);
}

/* In a child forked without exec: send the inherited log descriptor to
 * /dev/null, so the child's copy of the tracer's buffer (lines the parent
 * will write itself) and the child's own allocations never reach the log.
 * Only async-signal-safe calls: the parent may have had threads. */
static void child_after_fork(void)
{
    if (log_fd < 0)
        return;
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0)
        return;
    if (dup2(null_fd, log_fd) == log_fd)
        (void)fcntl(log_fd, F_SETFD, FD_CLOEXEC);
    close(null_fd);
}

/* The lowest descriptor open on the file at path, or -1. Allocates nothing:
 * it runs while the tracer is already on. */
static int find_log_fd(const char *path)
{
    struct stat want;
    if (stat(path, &want) != 0)
        return -1;
    for (int fd = 0; fd < 4096; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
            return fd;
    }
    return -1;
}

void pagesim_mtrace_on(void)
{
    const char *pid_text = getenv("PAGESIM_MTRACE_PID");
    const char *path = getenv("MALLOC_TRACE");
    char self[32];
    if (pid_text == NULL && path != NULL) {
        /* Preloaded by hand, without `pagesim record`: this process is the
         * one to trace, and its descendants must know it. */
        snprintf(self, sizeof self, "%ld", (long)getpid());
        if (setenv("PAGESIM_MTRACE_PID", self, 1) == 0)
            pid_text = self;
    }
    char *end = NULL;
    long pid = pid_text != NULL ? strtol(pid_text, &end, 10) : -1;
    bool ours = pid_text != NULL && end != pid_text && *end == '\0' && pid == (long)getpid();
    if (!ours || path == NULL) {
        /* A descendant of the recorded process (or a stray preload): stay
         * untraced and keep our own children out of it too. */
        unsetenv("MALLOC_TRACE");
        unsetenv("PAGESIM_MTRACE_PID");
        strip_ld_preload();
        return;
    }
    /* Registered before tracing starts: pthread_atfork may allocate. */
    pthread_atfork(NULL, NULL, child_after_fork);
    mtrace();
    log_fd = find_log_fd(path);
    FILE *head = _IO_list_all;
    if (log_fd >= 0 && head != NULL && fileno(head) == log_fd)
        log_stream = head;
}

/* Writes out what the tracer still buffers. Skipped when another thread
 * holds the stream (it may never let go while we end the process); when
 * this very thread holds it (_exit from a signal handler that interrupted a
 * traced call) the flush may write half a line, which `pagesim record`
 * trims. */
static void flush_log(void)
{
    if (log_stream == NULL || ftrylockfile(log_stream) != 0)
        return;
    fflush(log_stream);
    funlockfile(log_stream);
}

/* _exit(2) and _Exit(3), as libc defines them (end every thread of the
 * process with exit_group), after flushing the log. These names are libc's
 * own: defining them is what makes the preloaded library see the program's
 * calls. In a child forked without exec the log descriptor is /dev/null, so
 * the flush writes nothing to the log. */
void _exit(int status)
{
    flush_log();
    for (;;)
        syscall(SYS_exit_group, status);
}

void _Exit(int status)
{
    _exit(status);
}
