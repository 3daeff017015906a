/*
 * strbuf.h - the one bounded string builder of the program: text appended
 * to a caller's buffer, cut at its end but counted in full, as snprintf
 * counts (so a caller learns the length it would have needed). Used by the
 * event log's words (eventfmt.c), the quiz's texts (quiz.c, explain.c) and
 * the visualizer's rows (ui/fmt.c). No allocation, no state of its own.
 */
#ifndef PAGESIM_REPLAY_STRBUF_H
#define PAGESIM_REPLAY_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct strbuf {
    char *buf;  /* the caller's buffer */
    size_t len; /* its size in bytes (0: count only) */
    size_t pos; /* characters appended so far, counting those cut off */
};

/* A builder over buf[0..len), emptied (buf[0] = '\0' when len > 0).
 * (Inline, as strbuf_vprintf: the event log calls them per word.) */
static inline struct strbuf strbuf_make(char *buf, size_t len)
{
    struct strbuf s = {buf, len, 0};
    if (len != 0)
        buf[0] = '\0';
    return s;
}

/* Appends printf-formatted text; what does not fit is dropped but counted.
 * The buffer stays NUL-terminated. */
__attribute__((format(printf, 2, 0))) static inline void strbuf_vprintf(struct strbuf *s,
                                                                        const char *fmt, va_list ap)
{
    size_t room = s->pos < s->len ? s->len - s->pos : 0;
    int n = vsnprintf(room ? s->buf + s->pos : NULL, room, fmt, ap);
    if (n > 0)
        s->pos += (size_t)n;
}

void strbuf_printf(struct strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends text from a trace escaped for a terminal (trace_escape). When it
 * is cut short, pos counts at least the whole buffer plus the text. */
void strbuf_escaped(struct strbuf *s, const char *text);

#endif
