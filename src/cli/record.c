/*
 * record.c - `pagesim record -o FILE -- COMMAND [ARGS...]`: records a real
 * program's heap activity as a glibc mtrace log (CONTRACT 2.3), the format
 * every pagesim command already reads.
 *
 * glibc 2.34 and later keep the malloc tracer out of libc.so.6, in
 * libc_malloc_debug.so.0, and it traces only after the program calls
 * mtrace(). Preloading that library and pagesim's helper (src/record/
 * mtrace-on.c, whose constructor calls mtrace()) turns tracing on in any
 * dynamically linked program, unchanged. The helper traces only the process
 * named by $PAGESIM_MTRACE_PID, set here to the pid of the process we start,
 * and keeps every other process away from the log (see mtrace-on.c).
 *
 * This file finds the two libraries, opens FILE, runs the command with the
 * environment set (its log going to a temporary file, copied into FILE
 * afterwards with every write checked: see create_tmp_log), and passes its
 * exit status on, as env(1) and nohup(1) do: the status itself, 128+N after
 * signal N, 127 when the command cannot be run; 1 when the log could not be
 * written to FILE. Nothing goes to stdout: it belongs to the command.
 */
#include "cli/record.h"

#include "cli/cli.h"
#include "cli/help.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

static const char tracer_name[] = "libc_malloc_debug.so.0";
static const char helper_name[] = "libpagesim-mtrace.so";

/* Where the dynamic loader finds system libraries on the usual
 * distributions (Debian multiarch first, then Fedora/SUSE, then the rest). */
static const char *const tracer_dirs[] = {
    "/usr/lib/x86_64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
};

static int usage_error(const char *what)
{
    cli_errorf("%s", what);
    fputs(cli_help_synopsis("record"), stderr);
    return 2;
}

static void print_help(void)
{
    cli_help_command(stdout, "record");
}

/* True when path names a regular file we may read: what the loader needs. */
static bool readable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* The absolute, resolved form of path in a new string, or NULL. */
static char *absolute(const char *path)
{
    return realpath(path, NULL);
}

/* The tracer library's absolute path (caller frees), or NULL when there is
 * none: $PAGESIM_MALLOC_DEBUG when set (and then only it), else the first
 * readable tracer_name in tracer_dirs. */
static char *find_tracer(void)
{
    const char *env = getenv("PAGESIM_MALLOC_DEBUG");
    if (env != NULL && env[0] != '\0') {
        if (readable_file(env))
            return absolute(env);
        cli_errorf("PAGESIM_MALLOC_DEBUG names '%s', which is not a readable file", env);
        return NULL;
    }
    for (size_t i = 0; i < sizeof tracer_dirs / sizeof tracer_dirs[0]; i++) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", tracer_dirs[i], tracer_name);
        if (n > 0 && (size_t)n < sizeof path && readable_file(path))
            return absolute(path);
    }
    return NULL;
}

/* The helper library's absolute path (caller frees), or NULL after a message
 * on stderr: $PAGESIM_MTRACE_HELPER when set (and then only it), else
 * record/ beside the running executable (the Meson build tree: BUILD/src/
 * pagesim and BUILD/src/record/), else the installed PAGESIM_LIBDIR. */
static char *find_helper(void)
{
    const char *env = getenv("PAGESIM_MTRACE_HELPER");
    if (env != NULL && env[0] != '\0') {
        if (readable_file(env))
            return absolute(env);
        cli_errorf("PAGESIM_MTRACE_HELPER names '%s', which is not a readable file", env);
        return NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            char path[PATH_MAX];
            int m = snprintf(path, sizeof path, "%s/record/%s", exe, helper_name);
            if (m > 0 && (size_t)m < sizeof path && readable_file(path))
                return absolute(path);
        }
    }
    char path[PATH_MAX];
    int m = snprintf(path, sizeof path, "%s/%s", PAGESIM_LIBDIR, helper_name);
    if (m > 0 && (size_t)m < sizeof path && readable_file(path))
        return absolute(path);
    cli_errorf("pagesim's recording helper (%s) was not found in %s;"
               " set PAGESIM_MTRACE_HELPER to its path",
               helper_name, PAGESIM_LIBDIR);
    return NULL;
}

/* ld.so splits $LD_PRELOAD at ':' and ' ', so a path holding either cannot
 * be preloaded. Prints why and returns false in that case. */
static bool preloadable(const char *path)
{
    if (strpbrk(path, ": ") == NULL)
        return true;
    cli_errorf("cannot preload '%s': LD_PRELOAD cannot hold a ':' or a space", path);
    return false;
}

/* "TRACER:HELPER" followed by ":OLD" when $LD_PRELOAD is set and not empty,
 * in a new string (caller frees), or NULL when out of memory. Ours come
 * first so that the tracer's mtrace() is the one the helper calls. */
static char *make_preload(const char *tracer, const char *helper)
{
    const char *old = getenv("LD_PRELOAD");
    bool keep = old != NULL && old[0] != '\0';
    size_t n = strlen(tracer) + 1 + strlen(helper) + (keep ? 1 + strlen(old) : 0) + 1;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s:%s%s%s", tracer, helper, keep ? ":" : "", keep ? old : "");
    return s;
}

struct record_args {
    const char *out; /* the -o FILE */
    char **cmd;      /* COMMAND [ARGS...], NULL-terminated (argv's own tail) */
};

/* Parses `record [-o FILE | --output FILE | -oFILE | --output=FILE] --
 * COMMAND...`. Returns -1 with *a filled, or the exit status to return at
 * once (0 after --help, 2 after a reported usage error). */
static int parse_args(int argc, char **argv, struct record_args *a)
{
    a->out = NULL;
    a->cmd = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *w = argv[i];
        const char *val = NULL;
        if (strcmp(w, "--") == 0)
            break;
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            print_help();
            return fflush(stdout) == 0 ? 0 : 1;
        }
        if (strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0) {
            if (i + 1 >= argc)
                return usage_error("record: -o needs a FILE");
            val = argv[++i];
        } else if (strncmp(w, "--output=", 9) == 0) {
            val = w + 9;
        } else if (strncmp(w, "-o", 2) == 0) {
            val = w + 2;
        } else if (w[0] == '-') {
            char msg[200];
            snprintf(msg, sizeof msg, "record: unknown option '%.100s'", w);
            return usage_error(msg);
        } else {
            return usage_error("record: put -- before the COMMAND");
        }
        if (a->out != NULL)
            return usage_error("record: -o given twice");
        if (val[0] == '\0')
            return usage_error("record: -o needs a FILE");
        a->out = val;
    }
    if (a->out == NULL)
        return usage_error("record: no -o FILE given");
    if (i >= argc)
        return usage_error("record: no -- before the COMMAND");
    if (i + 1 >= argc)
        return usage_error("record: no COMMAND given after --");
    a->cmd = argv + i + 1;
    return -1;
}

/* Opens FILE (created or truncated), so that a FILE we cannot write is
 * reported before the command runs. Returns its descriptor (close-on-exec:
 * the command never sees it), or -1 after a message on stderr. */
static int create_out(const char *out)
{
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        cli_errorf("cannot create %s: %s", out, strerror(errno));
    return fd;
}

/* The traced program writes its log through glibc's tracer, which ignores
 * every write error: a log written straight into FILE could be lost without
 * a word (a full disk, /dev/full). So the tracer writes a temporary file in
 * $TMPDIR (else /tmp), and pagesim copies it into FILE afterwards, checking
 * every write and the close. Returns the temporary file's absolute path
 * (caller frees and unlinks), or NULL after a message on stderr. */
static char *create_tmp_log(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] != '/')
        dir = "/tmp";
    size_t n = strlen(dir) + sizeof "/pagesim-record.XXXXXX";
    char *path = malloc(n);
    if (path == NULL) {
        fputs("pagesim: out of memory\n", stderr);
        return NULL;
    }
    snprintf(path, n, "%s/pagesim-record.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        cli_errorf("cannot create a temporary log in %s: %s", dir, strerror(errno));
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

/* Copies the log at tmp into out_fd and closes out_fd. Returns false after a
 * message naming out on stderr when a read, a write or the close failed. */
static bool copy_log(const char *tmp, int out_fd, const char *out)
{
    bool ok = true;
    const char *what = "cannot write the log to";
    int e = 0;
    int in = open(tmp, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        ok = false;
        e = errno;
        what = "cannot read the recorded log for";
    }
    static char buf[1 << 16];
    while (ok) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ok = false;
            e = errno;
            what = "cannot read the recorded log for";
            break;
        }
        if (r == 0)
            break;
        for (ssize_t done = 0; ok && done < r;) {
            ssize_t w = write(out_fd, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                ok = false;
                e = w == 0 ? ENOSPC : errno;
                break;
            }
            done += w;
        }
    }
    if (in >= 0)
        close(in);
    if (close(out_fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        cli_errorf("%s %s: %s (the recording is lost)", what, out, strerror(e));
    return ok;
}

/* The child between fork and exec: restore the signals the parent ignores
 * while it waits, set the tracing environment, exec. On failure, sends
 * errno through err_fd (close-on-exec, so the parent reads nothing after a
 * successful exec) and exits 127. Never returns. */
_Noreturn static void run_child(char **cmd, const char *log, const char *preload,
                                const struct sigaction *old_int, const struct sigaction *old_quit,
                                int err_fd)
{
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGQUIT, old_quit, NULL);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    int e = 0;
    if (setenv("MALLOC_TRACE", log, 1) != 0 || setenv("LD_PRELOAD", preload, 1) != 0 ||
        setenv("PAGESIM_MTRACE_PID", pid, 1) != 0)
        e = errno;
    if (e == 0) {
        execvp(cmd[0], cmd);
        e = errno;
    }
    ssize_t w;
    do {
        w = write(err_fd, &e, sizeof e);
    } while (w < 0 && errno == EINTR);
    _exit(127);
}

/* Runs cmd traced into log and returns the exit status cli_record_main
 * promises; *ran tells whether the command started at all. */
static int run_traced(char **cmd, const char *log, const char *preload, bool *ran)
{
    *ran = false;
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) {
        cli_errorf("cannot run '%s': %s", cmd[0], strerror(errno));
        return 127;
    }
    fcntl(pipe_fd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pipe_fd[1], F_SETFD, FD_CLOEXEC);

    /* Like system(3): a ^C at the terminal reaches the command, and we stay
     * to report how it ended. */
    struct sigaction ign, old_int, old_quit;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fd[0]);
        run_child(cmd, log, preload, &old_int, &old_quit, pipe_fd[1]);
    }
    int fork_errno = errno;
    close(pipe_fd[1]);
    int status = 127;
    if (pid < 0) {
        cli_errorf("cannot run '%s': %s", cmd[0], strerror(fork_errno));
    } else {
        int exec_errno = 0;
        ssize_t r;
        do {
            r = read(pipe_fd[0], &exec_errno, sizeof exec_errno);
        } while (r < 0 && errno == EINTR);
        int ws = 0;
        pid_t got;
        do {
            got = waitpid(pid, &ws, 0);
        } while (got < 0 && errno == EINTR);
        if (r == (ssize_t)sizeof exec_errno) {
            cli_errorf("cannot run '%s': %s", cmd[0], strerror(exec_errno));
            status = 127;
        } else if (got < 0) {
            cli_errorf("lost '%s': %s", cmd[0], strerror(errno));
            status = 127;
        } else if (WIFEXITED(ws)) {
            *ran = true;
            status = WEXITSTATUS(ws);
        } else if (WIFSIGNALED(ws)) {
            *ran = true;
            int sig = WTERMSIG(ws);
            cli_errorf("'%s' was killed by signal %d (%s)", cmd[0], sig, strsignal(sig));
            status = 128 + sig;
        }
    }
    close(pipe_fd[0]);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    return status;
}

/* True when the line (without its newline) is the '<' half of a realloc:
 * "< ADDR" or "@ CALLER < ADDR", the caller ending in ']'. */
static bool is_realloc_start(const char *line, size_t n)
{
    if (n >= 2 && line[0] == '<' && line[1] == ' ')
        return true;
    for (size_t i = 0; i + 3 < n; i++) {
        if (memcmp(line + i, "] < ", 4) == 0)
            return true;
    }
    return false;
}

/* After the run: a process that ends without flushing glibc's trace stream
 * (killed by a signal) leaves half a line at the end of the log, or a
 * realloc's '<' without its '>'. Cuts the log back to its last whole
 * operation, with a warning, so that it replays. Looks at the last 16 KiB,
 * far more than one line. */
static void trim_log(const char *log, const char *out)
{
    int fd = open(log, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    char buf[16384];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return;
    }
    off_t start = st.st_size > (off_t)sizeof buf ? st.st_size - (off_t)sizeof buf : 0;
    size_t len = (size_t)(st.st_size - start);
    ssize_t got = pread(fd, buf, len, start);
    if (got != (ssize_t)len) {
        close(fd);
        return;
    }
    size_t keep = len;
    while (keep > 0 && buf[keep - 1] != '\n')
        keep--;
    if (keep == 0 && start > 0) {
        close(fd); /* no newline in 16 KiB: not a log we understand */
        return;
    }
    if (keep > 0) {
        size_t line = keep - 1;
        while (line > 0 && buf[line - 1] != '\n')
            line--;
        if (is_realloc_start(buf + line, keep - 1 - line) && (line > 0 || start == 0))
            keep = line;
    }
    off_t cut = st.st_size - (start + (off_t)keep);
    if (cut > 0 && ftruncate(fd, start + (off_t)keep) == 0) {
        cli_errorf("warning: cut the unfinished last %lld bytes of %s (the program ended"
                   " before its tracer wrote them out)",
                   (long long)cut, out);
    }
    close(fd);
}

/* After the run: an empty log (at path, written out as out) means the
 * tracer never started in the command, which is worth a warning (the
 * command's status stays). */
static void check_log(const char *log, const char *out, const char *cmd)
{
    struct stat st;
    if (stat(log, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        cli_errorf("warning: %s is empty: '%s' was not traced (a static or set-user-ID"
                   " program, or one not built for this glibc?)",
                   out, cmd);
    }
}

int cli_record_main(int argc, char **argv)
{
    struct record_args a;
    int st = parse_args(argc, argv, &a);
    if (st >= 0)
        return st;

    char *tracer = find_tracer();
    if (tracer == NULL) {
        cli_errorf("glibc's malloc tracer (%s) was not found;"
                   " recording needs glibc 2.34 or later",
                   tracer_name);
        return 1;
    }
    char *helper = find_helper();
    char *preload = NULL;
    char *log = NULL;
    int out_fd = -1;
    int status = 1;
    if (helper == NULL || !preloadable(tracer) || !preloadable(helper))
        goto done;
    preload = make_preload(tracer, helper);
    if (preload == NULL) {
        fputs("pagesim: out of memory\n", stderr);
        goto done;
    }
    out_fd = create_out(a.out);
    if (out_fd < 0)
        goto done;
    log = create_tmp_log();
    if (log == NULL)
        goto done;
    bool ran = false;
    status = run_traced(a.cmd, log, preload, &ran);
    if (ran) {
        trim_log(log, a.out);
        check_log(log, a.out, a.cmd[0]);
    }
    /* Whatever the command's status, a log that did not reach FILE fails
     * the recording. */
    bool copied = copy_log(log, out_fd, a.out);
    out_fd = -1;
    if (!copied)
        status = 1;
done:
    if (out_fd >= 0)
        close(out_fd);
    if (log != NULL)
        unlink(log);
    free(log);
    free(preload);
    free(helper);
    free(tracer);
    return status;
}
