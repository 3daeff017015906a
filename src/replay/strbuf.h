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

struct strbuf {
    char *buf;  /* the caller's buffer */
    size_t len; /* its size in bytes (0: count only) */
    size_t pos; /* characters appended so far, counting those cut off */
};

/* A builder over buf[0..len), emptied (buf[0] = '\0' when len > 0). */
struct strbuf strbuf_make(char *buf, size_t len);

/* Appends printf-formatted text; what does not fit is dropped but counted.
 * The buffer stays NUL-terminated. */
void strbuf_printf(struct strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends text from a trace escaped for a terminal (trace_escape). When it
 * is cut short, pos counts at least the whole buffer plus the text. */
void strbuf_escaped(struct strbuf *s, const char *text);

#endif
