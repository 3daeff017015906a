/*
 * names.c - the names of the trace layer's enums, and the paging-mode word
 * as a `paging` line and --paging write it.
 */
#include "trace/trace.h"

#include <string.h>

/* The words are arch/paging_mode.h's, the one list of modes. */
bool trace_paging_parse(const char *s, enum paging_mode *out)
{
    return paging_mode_parse(s, out);
}

/* ---------- names ---------- */

const char *trace_op_name(enum op_kind k)
{
    switch (k) {
    case OP_MALLOC:
        return "malloc";
    case OP_CALLOC:
        return "calloc";
    case OP_REALLOC:
        return "realloc";
    case OP_FREE:
        return "free";
    case OP_READ:
        return "read";
    case OP_WRITE:
        return "write";
    case OP_SAY:
        return "say";
    case OP_PROTECT:
        return "protect";
    case OP_INVLPG:
        return "invlpg";
    case OP_CR3_RELOAD:
        return "cr3";
    case OP_CR0_WP:
        return "cr0";
    case OP_CR4_PGE:
        return "cr4";
    case OP_EXEC:
        return "exec";
    case OP_KIND_COUNT:
        break;
    }
    return "?";
}

const char *trace_format_name(enum trace_format f)
{
    switch (f) {
    case TRACE_NATIVE:
        return "native";
    case TRACE_MTRACE:
        return "mtrace";
    }
    return "?";
}

const char *trace_paging_name(enum paging_mode pg)
{
    return pg == PAGING_OFF ? "?" : paging_mode_keyword(pg);
}
