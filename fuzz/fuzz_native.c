/*
 * fuzz_native.c - libFuzzer target for the native trace parser (CONTRACT
 * 2.1): any bytes must give a trace or a clean error, never a crash, a leak
 * or an out-of-bounds access. Also checks what a parse promises: an error
 * has a message, and every op's ids and text handles resolve.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace_error err;
    struct trace *t = trace_parse((const char *)data, size, "fuzz", &err);
    if (!t) {
        assert(err.msg[0] != '\0');
        assert(memchr(err.token, '\0', sizeof err.token) != NULL);
        return 0;
    }
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *op = &t->ops[i];
        assert(op->kind < OP_KIND_COUNT);
        assert(op->id == TRACE_NO_ID || op->id < t->nids);
        assert(op->id2 == TRACE_NO_ID || op->id2 < t->nids);
        (void)strlen(trace_id_name(t, op->id));
        (void)strlen(trace_text(t, op->text));
    }
    trace_free(t);
    return 0;
}
