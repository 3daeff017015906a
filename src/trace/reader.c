/*
 * reader.c - reading a trace while it is replayed (trace_reader_* in
 * trace.h): the parser of parse.c fed one block at a time, each block's
 * operations forgotten when the next is read.
 */
#include "trace/parser.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---------- reading while replaying ---------- */

struct trace_reader {
    struct parser p;
    struct trace_error err; /* the parser's */
    FILE *f;
    bool own_f; /* opened here: closed by trace_reader_close */
    bool eof;   /* the input is read and finished */
    char *buf;  /* READ_BLOCK bytes */
    uint64_t first;
};

struct trace_reader *trace_reader_open(const char *path, unsigned flags, struct trace_error *err)
{
    struct trace_error scratch;
    struct trace_error *ep = err ? err : &scratch;
    memset(ep, 0, sizeof *ep);
    if (!path) {
        snprintf(ep->msg, sizeof ep->msg, "no trace file given");
        return NULL;
    }
    struct trace_reader *r = calloc(1, sizeof *r);
    char *buf = malloc(READ_BLOCK);
    if (!r || !buf) {
        free(r);
        free(buf);
        snprintf(ep->msg, sizeof ep->msg, "out of memory");
        return NULL;
    }
    r->buf = buf;
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            int e = errno;
            parse_set_token(ep, path, strlen(path));
            snprintf(ep->msg, sizeof ep->msg, "cannot open: %s", strerror(e));
            free(r->buf);
            free(r);
            return NULL;
        }
        r->own_f = true;
    }
    if (!parse_begin(&r->p, path, &r->err)) {
        *ep = r->err;
        trace_reader_close(r);
        return NULL;
    }
    r->p.no_callers = (flags & TRACE_READ_NO_CALLERS) != 0;
    return r;
}

bool trace_reader_next(struct trace_reader *r, size_t *n, struct trace_error *err)
{
    struct parser *p = &r->p;
    struct trace *t = p->t;
    r->first += t->nops;
    t->nops = 0;
    t->nexpects = 0;
    while (t->nops == 0 && !r->eof && !p->failed) {
        if (!parse_read_block(p, r->f, r->buf, &r->eof))
            break;
    }
    if (p->failed) {
        t->nops = 0;
        *n = 0;
        if (err)
            *err = r->err;
        return false;
    }
    *n = t->nops;
    return true;
}

const struct trace *trace_reader_trace(const struct trace_reader *r)
{
    return r->p.t;
}

uint64_t trace_reader_first(const struct trace_reader *r)
{
    return r->first;
}

void trace_reader_close(struct trace_reader *r)
{
    if (!r)
        return;
    if (r->p.t)
        parse_end(&r->p, false);
    if (r->own_f)
        fclose(r->f);
    free(r->buf);
    free(r);
}
