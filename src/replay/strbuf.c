/*
 * strbuf.c - the bounded string builder (see strbuf.h).
 */
#include "replay/strbuf.h"

#include <stdio.h>
#include <string.h>

#include "trace/trace.h"

void strbuf_printf(struct strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(s, fmt, ap);
    va_end(ap);
}

void strbuf_escaped(struct strbuf *s, const char *text)
{
    size_t room = s->pos < s->len ? s->len - s->pos : 0;
    size_t n = strlen(text);
    size_t w = trace_escape(room ? s->buf + s->pos : NULL, room, text, n);
    s->pos += w;
    if (n > 0 && s->pos + 1 >= s->len)
        s->pos = s->len + n; /* (maybe) cut short: say so, as snprintf would */
}
