/*
 * trace_helpers.h - for cmocka tests that replay a trace written inline:
 * parse it, failing the test with the parser's message when it is refused.
 * Include after helpers.h.
 */
#ifndef PAGESIM_TESTS_TRACE_HELPERS_H
#define PAGESIM_TESTS_TRACE_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "trace/trace.h"

static inline struct trace *parse(const char *text)
{
    struct trace_error err;
    struct trace *t = trace_parse(text, strlen(text), "test.trace", &err);
    if (t == NULL)
        fprintf(stderr, "parse error %u:%u: %s (%s)\n", err.line, err.col, err.msg, err.token);
    assert_non_null(t);
    return t;
}

#endif
