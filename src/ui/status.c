/*
 * status.c - the current trace line and step name of the status rows. The
 * trace keeps each operation's kind, operands, line and (mtrace) caller
 * (trace/trace.h), not its bytes: the line is written back in the native
 * format's words, which is what a native lesson's line says.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>

#include "replay/strbuf.h"
#include "ui.h"

/* "ID" or "0xVADDR" of a read, write, exec, invlpg or protect. */
static void target(struct strbuf *sb, const struct trace *t, const struct op *o)
{
    if (o->flags & OP_F_RAW)
        strbuf_printf(sb, " 0x%" PRIx64, o->a);
    else
        strbuf_printf(sb, " %s", trace_id_name(t, o->id));
}

static void operands(struct strbuf *sb, const struct trace *t, const struct op *o)
{
    const char *user = (o->flags & OP_F_USER) ? " user" : "";
    switch ((enum op_kind)o->kind) {
    case OP_MALLOC:
        strbuf_printf(sb, " %s %" PRIu64, trace_id_name(t, o->id), o->a);
        break;
    case OP_CALLOC:
        strbuf_printf(sb, " %s %" PRIu64 " %" PRIu64, trace_id_name(t, o->id), o->a, o->b);
        break;
    case OP_REALLOC:
        strbuf_printf(sb, " %s", trace_id_name(t, o->id));
        if (o->id2 != o->id)
            strbuf_printf(sb, " -> %s", trace_id_name(t, o->id2));
        strbuf_printf(sb, " %" PRIu64, o->a);
        break;
    case OP_FREE:
        strbuf_printf(sb, " %s", trace_id_name(t, o->id));
        break;
    case OP_READ:
    case OP_WRITE:
        target(sb, t, o);
        if (o->flags & OP_F_RAW)
            strbuf_printf(sb, " %" PRIu64 "%s", o->b, user);
        else
            strbuf_printf(sb, " %" PRIu64 " %" PRIu64 "%s", o->a, o->b, user);
        break;
    case OP_EXEC:
        target(sb, t, o);
        if (!(o->flags & OP_F_RAW))
            strbuf_printf(sb, " %" PRIu64, o->a);
        strbuf_printf(sb, "%s", user);
        break;
    case OP_PROTECT:
        target(sb, t, o);
        if (o->flags & OP_F_RAW)
            strbuf_printf(sb, " %" PRIu64, o->b);
        strbuf_printf(sb, " %s%s", (o->flags & OP_F_RO) ? "ro" : "rw",
                      (o->flags & OP_F_NOINVLPG) ? " noinvlpg" : "");
        break;
    case OP_INVLPG:
        target(sb, t, o);
        if (!(o->flags & OP_F_RAW) && o->a != 0)
            strbuf_printf(sb, " %" PRIu64, o->a);
        break;
    case OP_CR3_RELOAD:
        strbuf_printf(sb, " reload");
        break;
    case OP_CR0_WP:
        strbuf_printf(sb, " wp %s", o->a ? "on" : "off");
        break;
    case OP_CR4_PGE:
        strbuf_printf(sb, " pge %s", o->a ? "on" : "off");
        break;
    case OP_SAY: /* the caption rows show it */
    case OP_KIND_COUNT:
        break;
    }
}

size_t status_op_text(const struct trace *t, uint64_t k, const struct op *o, char *buf, size_t len)
{
    struct strbuf sb = strbuf_make(buf, len);
    if (k == 0 || o == NULL) {
        strbuf_printf(&sb, "boot");
        return sb.pos;
    }
    strbuf_printf(&sb, "L%" PRIu32 " %s", o->line, trace_op_name((enum op_kind)o->kind));
    operands(&sb, t, o);
    if (o->flags & OP_F_FAILED)
        strbuf_printf(&sb, " (nil)");
    if (t->format == TRACE_MTRACE && o->text != TRACE_NO_TEXT)
        strbuf_printf(&sb, " @ %s", trace_text(t, o->text));
    return sb.pos;
}
