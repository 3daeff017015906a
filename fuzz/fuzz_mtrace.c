/*
 * fuzz_mtrace.c - libFuzzer target for the glibc mtrace parser (CONTRACT
 * 2.3). The input is prefixed with "= Start\n" so detection always picks
 * mtrace and the fuzzer spends its time inside that parser. Any bytes must
 * give a trace or a clean error, never a crash, leak or bad access.
 *
 * It is also a differential check of the parser's two readers: glibc's exact
 * line shape has a fast reader, and a blank at the end of a line sends the
 * line to the general one instead (blanks at the end of a line mean
 * nothing). So the input with a blank added to every line must give the
 * same operations, or fail on the same line.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "= Start\n";
    size_t plen = sizeof prefix - 1;
    char *buf = malloc(plen + size + 1);
    if (!buf)
        return 0;
    memcpy(buf, prefix, plen);
    if (size)
        memcpy(buf + plen, data, size);
    size_t n = plen + size;
    /* The same lines, each with a blank before its end (before a CR that
     * ends it, which the parser drops). */
    char *pad = malloc(2 * n + 2);
    if (!pad) {
        free(buf);
        return 0;
    }
    size_t m = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || buf[i] == '\n') {
            size_t at = m;
            if (at > 0 && pad[at - 1] == '\r')
                at--;
            memmove(pad + at + 1, pad + at, m - at);
            pad[at] = ' ';
            m++;
        }
        if (i < n)
            pad[m++] = buf[i];
    }
    struct trace_error err, perr;
    struct trace *t = trace_parse(buf, n, "fuzz", &err);
    struct trace *pt = trace_parse(pad, m, "fuzz", &perr);
    assert((t == NULL) == (pt == NULL));
    if (t == NULL) {
        assert(err.line == perr.line); /* the message may differ: "@" then end of line */
    } else {
        assert(t->nops == pt->nops && t->nids == pt->nids);
        assert(t->nops == 0 || memcmp(t->ops, pt->ops, t->nops * sizeof *t->ops) == 0);
        for (uint32_t id = 0; id < t->nids; id++)
            assert(strcmp(trace_id_name(t, id), trace_id_name(pt, id)) == 0);
    }
    trace_free(pt);
    free(pad);
    if (!t) {
        assert(err.msg[0] != '\0');
        assert(err.line >= 1);
    } else {
        assert(t->format == TRACE_MTRACE);
        for (size_t i = 0; i < t->nops; i++) {
            const struct op *op = &t->ops[i];
            assert(op->kind == OP_MALLOC || op->kind == OP_FREE || op->kind == OP_REALLOC);
            assert(op->id == TRACE_NO_ID || op->id < t->nids);
            assert(op->id2 == TRACE_NO_ID || op->id2 < t->nids);
            (void)strlen(trace_id_name(t, op->id));
            (void)strlen(trace_text(t, op->text));
        }
        trace_free(t);
    }
    free(buf);
    return 0;
}
