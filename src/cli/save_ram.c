/*
 * save_ram.c - `pagesim replay --save-ram FILE` (CONTRACT 1): the refusal to
 * write over the trace, and the raw image of the simulated RAM written
 * through a temporary file, sparse where the file allows it.
 */
#include "cli/save_ram.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/machine.h"
#include "sim/phys.h"
#include "sim/tmem.h"

int cli_save_ram_check(const char *trace, const char *path)
{
    if (path == NULL)
        return -1;
    struct stat in, out;
    bool from_stdin = strcmp(trace, "-") == 0;
    if ((from_stdin ? fstat(STDIN_FILENO, &in) : stat(trace, &in)) != 0 || !S_ISREG(in.st_mode) ||
        stat(path, &out) != 0)
        return -1;
    if (in.st_dev != out.st_dev || in.st_ino != out.st_ino)
        return -1;
    char msg[256];
    snprintf(msg, sizeof msg,
             "--save-ram '%.100s' is the trace being replayed%s; not overwriting it", path,
             from_stdin ? " (on standard input)" : "");
    return cli_usage_error(msg);
}

/* Where save_ram writes: to a new temporary file beside the target, renamed
 * over it once every byte is written, so that a failed write (a full disk)
 * never leaves a truncated image nor destroys what the file held. A target
 * that exists and is not a regular file (/dev/null, a pipe, a terminal) is
 * written in place. A symbolic link is followed: the file it names is
 * replaced, not the link. */
struct ram_out {
    int fd;
    char *target; /* the file renamed over, or NULL when written in place */
    char *tmp;    /* the temporary file's name, or NULL */
};

static bool ram_out_open(const char *path, struct ram_out *o)
{
    o->fd = -1;
    o->target = NULL;
    o->tmp = NULL;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        return o->fd >= 0;
    }
    o->target = realpath(path, NULL); /* NULL when it does not exist yet */
    if (o->target == NULL && (o->target = strdup(path)) == NULL)
        return false;
    size_t n = strlen(o->target) + sizeof ".XXXXXX";
    o->tmp = malloc(n);
    if (o->tmp == NULL)
        return false;
    snprintf(o->tmp, n, "%s.XXXXXX", o->target);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return false;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0644 & ~mask) != 0)
        return false;
    return true;
}

/* Closes the output; renames the temporary file over the target when ok,
 * else removes it. Returns false (errno set) when anything failed. */
static bool ram_out_close(struct ram_out *o, bool ok)
{
    int e = ok ? 0 : errno;
    if (o->fd >= 0 && close(o->fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (o->tmp != NULL) {
        if (ok && rename(o->tmp, o->target) != 0) {
            ok = false;
            e = errno;
        }
        if (!ok)
            unlink(o->tmp);
    }
    free(o->tmp);
    free(o->target);
    errno = e;
    return ok;
}

bool cli_save_ram(const char *path, const struct machine *m)
{
    const struct phys *p = machine_phys(m);
    const struct tmem *mem = p->mem;
    uint64_t size = phys_size(p);
    static const uint8_t zeros[1 << 16];
    struct ram_out out;
    if (!ram_out_open(path, &out)) {
        ram_out_close(&out, false);
        cli_errorf("%s: cannot write: %s", path, strerror(errno));
        return false;
    }
    int fd = out.fd;
    bool sparse = ftruncate(fd, (off_t)size) == 0;
    uint64_t off = 0;
    bool ok = true;
    while (ok && off < size) {
        uint64_t c = off >> TMEM_CHUNK_SHIFT;
        bool written = (mem->written[c >> 6] >> (c & 63)) & 1;
        uint64_t len = TMEM_CHUNK_SIZE;
        if (len > size - off)
            len = size - off;
        const uint8_t *src = phys_bytes(p) + off;
        if (!written) {
            if (sparse) {
                off += len;
                continue;
            }
            /* Not sparse: write zeros for the whole unwritten run in blocks. */
            src = zeros;
        } else if (sparse) {
            size_t i = 0;
            while (i < len && src[i] == 0)
                i++;
            if (i == len) {
                off += len;
                continue;
            }
        }
        /* Gather a run of chunks with the same nature to write at once. */
        uint64_t run = len;
        while (off + run < size && run < sizeof zeros) {
            uint64_t c2 = (off + run) >> TMEM_CHUNK_SHIFT;
            bool w2 = (mem->written[c2 >> 6] >> (c2 & 63)) & 1;
            if (w2 != written)
                break;
            uint64_t l2 = TMEM_CHUNK_SIZE;
            if (l2 > size - off - run)
                l2 = size - off - run;
            run += l2;
        }
        uint64_t done = 0;
        while (done < run) {
            const uint8_t *from = written ? src + done : zeros;
            size_t n = (size_t)(run - done);
            ssize_t w = sparse ? pwrite(fd, from, n, (off_t)(off + done)) : write(fd, from, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                if (w == 0)
                    errno = ENOSPC;
                ok = false;
                break;
            }
            done += (uint64_t)w;
        }
        off += run;
    }
    ok = ram_out_close(&out, ok);
    if (!ok)
        cli_errorf("%s: cannot write: %s", path, strerror(errno));
    return ok;
}
