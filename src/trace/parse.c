/*
 * parse.c - a whole trace, parsed (CONTRACT 2.1 native, 2.3 glibc mtrace).
 *
 * Input is cut into lines as it streams in: complete lines are parsed in
 * place, and only a line that straddles two read blocks is copied into one
 * reusable, growable line buffer. Every native line is checked for NUL
 * bytes and valid UTF-8 first (an mtrace line for NUL bytes only), then
 * handed to the parser of the detected format. The format is decided by the
 * first line that is neither blank nor a comment: "= ...", "@ ..." or an
 * mtrace operation line ("+ ", "- ", "< ", "> ", "! ") mean mtrace, anything
 * else native.
 *
 * Nothing is allocated per line: ops grow geometrically, strings go into
 * the text arena and ids are interned (intern.c).
 *
 * Columns are 1-based byte columns. An error stops the parse at once and
 * fills the caller's struct trace_error; no input makes this code crash.
 */
#include "trace/parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------- errors ---------- */

void parse_set_token(struct trace_error *err, const char *s, size_t n)
{
    size_t max = sizeof err->token - 1;
    if (n > max) {
        n = max;
        /* Do not cut a UTF-8 sequence in two. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(err->token, s, n);
    err->token[n] = '\0';
}

bool parse_fail(struct parser *p, unsigned col, const char *tok, size_t tokn, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    struct trace_error *e = p->err;
    e->line = p->lineno;
    e->col = col;
    parse_set_token(e, tok ? tok : "", tok ? tokn : 0);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

bool parse_nomem(struct parser *p)
{
    return parse_fail(p, 0, NULL, 0, "out of memory");
}

/* ---------- growable storage ---------- */

bool parse_grow_to(void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return false;
        nc *= 2;
    }
    void *np = realloc(*ptr, nc * elem);
    if (!np)
        return false;
    *ptr = np;
    *cap = nc;
    return true;
}

bool parse_arena_add(struct parser *p, const char *s, size_t n, uint32_t *h)
{
    struct trace *t = p->t;
    if (n >= UINT32_MAX - 1 || t->arena_len > UINT32_MAX - 2 - n)
        return parse_fail(p, 0, NULL, 0, "trace too large: more than 4 GiB of text");
    if (!parse_grow((void **)&t->arena, &t->arena_cap, t->arena_len + n + 1, 1))
        return parse_nomem(p);
    memcpy(t->arena + t->arena_len, s, n);
    t->arena[t->arena_len + n] = '\0';
    *h = (uint32_t)t->arena_len;
    t->arena_len += n + 1;
    return true;
}

bool parse_push_range(struct parser *p, struct trace_range **arr, size_t *n,
                      const struct trace_range *r)
{
    /* The capacity is implied: 4, then the next power of 2. */
    size_t want = 0;
    if (*n == 0)
        want = 4;
    else if (*n >= 4 && (*n & (*n - 1)) == 0)
        want = *n * 2;
    if (want) {
        void *np = realloc(*arr, want * sizeof **arr);
        if (!np)
            return parse_nomem(p);
        *arr = np;
    }
    (*arr)[(*n)++] = *r;
    return true;
}

/* ---------- lines, detection, streaming ---------- */

static enum mode detect(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    if (i >= n || s[i] == '#')
        return MODE_UNKNOWN;
    char c = s[i];
    bool sep = i + 1 < n && is_blank(s[i + 1]);
    if ((c == '=' || c == '@' || c == '+' || c == '-' || c == '<' || c == '>' || c == '!') && sep)
        return MODE_MTRACE;
    return MODE_NATIVE;
}

static bool parse_line(struct parser *p, const char *s, size_t n)
{
    if (p->lineno == UINT32_MAX - 1)
        return parse_fail(p, 0, NULL, 0, "too many lines");
    p->lineno++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (p->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        /* A UTF-8 byte-order mark is dropped; columns count from after it. */
        s += 3;
        n -= 3;
    }
    if (n > MAX_LINE)
        return parse_fail(p, 1, s, 16, "line too long: more than 16 MiB");
    if (p->mode == MODE_UNKNOWN) {
        enum mode m = detect(s, n);
        if (m == MODE_UNKNOWN)
            return lex_check_text(p, s, n);
        p->mode = m;
        p->t->format = p->mode == MODE_MTRACE ? TRACE_MTRACE : TRACE_NATIVE;
    }
    if (p->mode == MODE_MTRACE) {
        /* glibc writes a caller's file name as the bytes the program was
         * given (a Latin-1 directory, say): they are kept, not checked as
         * UTF-8, and escaped wherever they are shown (trace_escape). */
        const char *nul = memchr(s, '\0', n);
        if (nul != NULL)
            return parse_fail(p, (unsigned)(nul - s) + 1, "\\0", 2, "NUL byte in the input");
        return mtrace_line(p, s, n);
    }
    if (!lex_check_text(p, s, n))
        return false;
    return native_line(p, s, n);
}

/* Feeds len bytes; complete lines are parsed in place. */
static bool feed(struct parser *p, const char *data, size_t len)
{
    while (len > 0 && !p->failed) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        if (p->llen == 0 && nl) {
            if (!parse_line(p, data, take))
                return false;
        } else {
            if (p->llen + take > MAX_LINE + 2) {
                p->lineno++;
                return parse_fail(p, 1, p->lbuf, p->llen < 16 ? p->llen : 16,
                                  "line too long: more than 16 MiB");
            }
            if (!parse_grow((void **)&p->lbuf, &p->lcap, p->llen + take, 1))
                return parse_nomem(p);
            memcpy(p->lbuf + p->llen, data, take);
            p->llen += take;
            if (nl) {
                size_t ll = p->llen;
                p->llen = 0;
                if (!parse_line(p, p->lbuf, ll))
                    return false;
            }
        }
        if (!nl)
            break;
        data = nl + 1;
        len -= take + 1;
    }
    return !p->failed;
}

static bool finish(struct parser *p)
{
    if (p->llen > 0) {
        size_t ll = p->llen;
        p->llen = 0;
        if (!parse_line(p, p->lbuf, ll))
            return false;
    }
    if (p->pend) {
        p->lineno = p->pend_line;
        return parse_fail(p, p->pend_col, "<", 1,
                          "unterminated realloc: a '<' line not followed by '>' before the end");
    }
    return true;
}

struct trace *parse_begin(struct parser *p, const char *name, struct trace_error *err)
{
    memset(p, 0, sizeof *p);
    p->err = err ? err : &p->scratch;
    memset(p->err, 0, sizeof *p->err);
    struct trace *t = calloc(1, sizeof *t);
    if (!t) {
        parse_nomem(p);
        return NULL;
    }
    p->t = t;
    t->format = TRACE_NATIVE;
    t->cfg.ram = UINT64_C(16) << 20;
    t->cfg.paging = PAGING_32;
    t->cfg.tlb_entries = 64;
    t->cfg.tlb_ways = 4;
    const char *nm = name ? name : "-";
    size_t nl = strlen(nm);
    t->name = malloc(nl + 1);
    if (!t->name) {
        parse_nomem(p);
        trace_free(t);
        return NULL;
    }
    memcpy(t->name, nm, nl + 1);
    return t;
}

struct trace *parse_end(struct parser *p, bool ok)
{
    free(p->lbuf);
    free(p->ids.slot);
    free(p->texts.slot);
    free(p->addrs.slot);
    free(p->addrs.page);
    free(p->addrs.leaf);
    struct trace *t = p->t;
    if (!ok || p->failed) {
        trace_free(t);
        return NULL;
    }
    /* Give back the spare capacity of the ops array. */
    if (t->nops > 0 && p->ops_cap > t->nops) {
        struct op *shrunk = realloc(t->ops, t->nops * sizeof *t->ops);
        if (shrunk)
            t->ops = shrunk;
    }
    return t;
}

struct trace *trace_parse(const char *data, size_t len, const char *name, struct trace_error *err)
{
    struct parser p;
    if (!parse_begin(&p, name, err))
        return NULL;
    bool ok = (len == 0 || data != NULL) && feed(&p, data, len) && finish(&p);
    return parse_end(&p, ok);
}

bool parse_read_block(struct parser *p, FILE *f, char *buf, bool *eof)
{
    size_t got = fread(buf, 1, READ_BLOCK, f);
    if (got > 0 && !feed(p, buf, got))
        return false;
    if (got == READ_BLOCK)
        return true;
    if (ferror(f)) {
        int e = errno;
        const char *name = p->t->name;
        parse_fail(p, 0, name, strlen(name), "cannot read: %s", e ? strerror(e) : "I/O error");
        p->err->line = 0;
        return false;
    }
    *eof = true;
    return finish(p);
}

struct trace *trace_load_stream(FILE *f, const char *name, struct trace_error *err)
{
    struct parser p;
    if (!parse_begin(&p, name, err))
        return NULL;
    char *buf = malloc(READ_BLOCK);
    if (!buf) {
        parse_nomem(&p);
        return parse_end(&p, false);
    }
    bool eof = false, ok = true;
    while (ok && !eof)
        ok = parse_read_block(&p, f, buf, &eof);
    free(buf);
    return parse_end(&p, ok);
}

struct trace *trace_load(const char *path, struct trace_error *err)
{
    if (!path) {
        struct parser p;
        parse_begin(&p, "", err);
        parse_fail(&p, 0, NULL, 0, "no trace file given");
        return parse_end(&p, false);
    }
    if (strcmp(path, "-") == 0)
        return trace_load_stream(stdin, "-", err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        struct trace_error scratch;
        struct trace_error *ep = err ? err : &scratch;
        memset(ep, 0, sizeof *ep);
        parse_set_token(ep, path, strlen(path));
        snprintf(ep->msg, sizeof ep->msg, "cannot open: %s", strerror(e));
        return NULL;
    }
    struct trace *t = trace_load_stream(f, path, err);
    fclose(f);
    return t;
}

void trace_free(struct trace *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->ops);
    free(t->expects);
    free(t->cfg.reserve);
    free(t->cfg.identity);
    free(t->arena);
    free(t->id_name);
    struct addr_names *an = t->intern;
    if (an) {
        free(an->addr);
        free(an->name);
        free(an);
    }
    free(t);
}
