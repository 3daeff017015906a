/*
 * fuzz_mtrace.c - libFuzzer target for the glibc mtrace parser (CONTRACT
 * 2.3). The input is prefixed with "= Start\n" so detection always picks
 * mtrace and the fuzzer spends its time inside that parser. Any bytes must
 * give a trace or a clean error, never a crash, leak or bad access.
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
    struct trace_error err;
    struct trace *t = trace_parse(buf, plen + size, "fuzz", &err);
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
