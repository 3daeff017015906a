/*
 * parser.h - what the pieces of the trace parser share (private to
 * src/trace/; trace.h is the public header).
 *
 * The parser is cut by job, one file each:
 *   lex.c     numbers, tokens, the UTF-8/NUL check of a native line
 *   intern.c  ids and texts: the text arena, native ids by name, mtrace ids
 *             by address, callers by text; trace_id_name, trace_text
 *   native.c  the native format, one line at a time (CONTRACT 2.1)
 *   mtrace.c  the glibc mtrace format (CONTRACT 2.3): the fast reader of
 *             glibc's own line shape, and the general one for the rest
 *   parse.c   errors, growable storage, lines and format detection, the
 *             whole-trace entry points (trace_parse, trace_load...)
 *   reader.c  the streaming reader (trace_reader_*)
 *   names.c   names of the enums, and the paging-mode word
 *   escape.c  trace_escape, for terminals
 *
 * Functions shared across the files carry their file's name (lex_next,
 * intern_name, parse_fail...). The per-operation path of an mtrace parse
 * (intern_addr's cached page, parse_push_op) is static inline here, so that
 * cutting the file costs no call per operation.
 */
#ifndef PAGESIM_TRACE_PARSER_H
#define PAGESIM_TRACE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "limits/limits.h"
#include "trace/trace.h"

/* The longest line accepted; longer ones are a clean error. */
#define MAX_LINE   (16u << 20)
/* read/write/protect lengths above this are errors: longer than the largest
 * RAM, a copy no simulated machine could hold (and a walk of billions of
 * pages). Sizes and offsets have no limit but 64 bits: docs/trace-format.md,
 * "Bad input or a refused request". */
#define MAX_LEN    LIMITS_RAM_MAX
#define READ_BLOCK 65536
/* Callers an mtrace parse remembers, most recent first (recent_caller). */
#define CALLER_MRU 4

enum mode {
    MODE_UNKNOWN,
    MODE_NATIVE,
    MODE_MTRACE,
};

/* A hash slot for text keys: the key's hash and (reference + 1), 0 = empty. */
struct str_slot {
    uint32_t hash;
    uint32_t ref;
};

struct str_table {
    struct str_slot *slot;
    size_t cap; /* a power of 2, or 0 */
    size_t n;
};

/* A slot of the plain address table: a 32-bit tag of the key and (id + 1),
 * 0 = empty; the key itself is the id's entry in struct addr_names, so one
 * cache line holds eight slots. */
struct addr_slot {
    uint32_t tag;
    uint32_t ref;
};

/* A slot of the table of pages: (the 4 KiB page of addresses + 1), 0 =
 * empty, and the page's leaf, or NO_LEAF when its addresses are in the
 * plain table. */
struct page_slot {
    uint64_t key;
    uint32_t leaf;
    uint32_t pad;
};

/* The ids of an mtrace (struct trace's intern): each id's address, and its
 * "0x..." name, formatted only when trace_id_name first asks for it (most
 * replays never print a name). */
struct addr_names {
    uint64_t *addr; /* per id */
    size_t cap;
    char (*name)[20]; /* per id, "" until formatted; NULL until a name is asked for */
    size_t name_cap;  /* ids name has room for (a trace being read gains ids) */
};

/*
 * mtrace ids by address. A program's heap hands out 16-byte-aligned
 * addresses densely, so the map is shaped like a page table: each 4 KiB page
 * of addresses holding ids gets a leaf of 256 slots (id + 1, 0 = none), one
 * per 16-byte-aligned address, found through a small hash of pages with the
 * last page cached in front. Nearby blocks share a leaf, so a lookup costs a
 * probe in a table that stays in cache plus one slot, usually cached too.
 * Addresses that are not 16-aligned, and pages past the leaf budget (sparse
 * addresses would cost a 1 KiB leaf per id), live in a plain hash table.
 */
#define LEAF_SHIFT 12
#define LEAF_SLOTS 256
#define NO_LEAF    UINT32_MAX

struct addr_table {
    struct addr_slot *slot; /* the plain table */
    size_t cap;             /* a power of 2, or 0 */
    size_t n;
    struct page_slot *page; /* the table of pages */
    size_t pcap;            /* a power of 2, or 0 */
    size_t pn;
    uint32_t *leaf; /* nleaves * LEAF_SLOTS */
    size_t nleaves, leaf_cap;
    uint64_t last_key; /* page + 1 of the last lookup (0: none), and its leaf */
    uint32_t last_leaf;
};

struct parser {
    struct trace *t;
    struct trace_error *err;
    struct trace_error scratch; /* err when the caller passed none */
    bool failed;
    enum mode mode;
    uint32_t lineno;
    char *lbuf; /* the pending part of a line that straddles blocks */
    size_t llen, lcap;
    size_t ops_cap;
    bool ops_begun;      /* native: an operation was seen, no more configuration */
    uint64_t native_ops; /* native: operations pushed so far (the whole trace's) */
    uint64_t last_act;   /* native: op number of the last operation that is no `say` */
    uint64_t last_say;   /* native: op number of the last `say` */
    size_t expects_cap;
    struct str_table ids;    /* native ids by name */
    struct str_table texts;  /* callers by text */
    struct addr_table addrs; /* mtrace ids by address */
    /* The latest distinct callers (handle, length; length 0 = none), newest
     * first: loops cycle through a few call sites. */
    size_t caller_len[CALLER_MRU];
    uint32_t caller_text[CALLER_MRU];
    bool no_callers; /* TRACE_READ_NO_CALLERS: callers are checked, not kept */
    /* mtrace: a '<' line waiting for its '>' */
    bool pend;
    uint32_t pend_line;
    uint32_t pend_col;
    uint32_t pend_id;
    uint32_t pend_text;
    uint8_t pend_flags;
};

/* A token: s[0..n) at 1-based byte column col. */
struct tok {
    const char *s;
    size_t n;
    unsigned col;
};

/* The line being parsed, for "expected X, got end of line". */
struct line {
    const char *s;
    size_t n;
    size_t pos;
};

/* ---------- errors and storage (parse.c) ---------- */

/* Fails the parse (once: later calls change nothing) at line p->lineno,
 * column col, blaming tok[0..tokn) (NULL: no token), with a printf message.
 * Returns false, for `return parse_fail(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
bool parse_fail(struct parser *p, unsigned col, const char *tok, size_t tokn, const char *fmt,
                ...);

/* parse_fail with "out of memory", no position. */
bool parse_nomem(struct parser *p);

/* Copies s[0..n) into err->token, truncated (never inside a UTF-8 character). */
void parse_set_token(struct trace_error *err, const char *s, size_t n);

/* Quoting a token in a message: at most 60 bytes of it ("%.*s"). */
static inline int qlen(size_t n)
{
    return n > 60 ? 60 : (int)n;
}

/* parse_grow past the capacity (parse.c). */
bool parse_grow_to(void **ptr, size_t *cap, size_t need, size_t elem);

/* Grows *ptr (of *cap elements of elem bytes) geometrically to hold need
 * elements. False, changing nothing, when memory runs out. Inline: it is
 * asked once per id and per operation, and nearly always has room. */
static inline bool parse_grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap || parse_grow_to(ptr, cap, need, elem);
}

/* Appends s[0..n) and a NUL to the text arena; the handle in *h. */
bool parse_arena_add(struct parser *p, const char *s, size_t n, uint32_t *h);

/* Appends a range to *arr (*n of them). */
bool parse_push_range(struct parser *p, struct trace_range **arr, size_t *n,
                      const struct trace_range *r);

/* Appends an operation to the trace. */
static inline bool parse_push_op(struct parser *p, const struct op *op)
{
    struct trace *t = p->t;
    if (!parse_grow((void **)&t->ops, &p->ops_cap, t->nops + 1, sizeof *op))
        return parse_nomem(p);
    t->ops[t->nops++] = *op;
    return true;
}

/* Starts a parse of the trace called name into a new trace (p->t), errors
 * going to err (NULL: nowhere). NULL when memory runs out (*err says so). */
struct trace *parse_begin(struct parser *p, const char *name, struct trace_error *err);

/* Ends a parse: drops the parser's tables; returns the trace, or NULL (and
 * frees it) when !ok or the parse failed. */
struct trace *parse_end(struct parser *p, bool ok);

/* Reads the next block of f (buf: READ_BLOCK bytes) and parses it; at the
 * end of the input finishes the parse and sets *eof. False on any error (a
 * read error is reported against the trace's name, line 0). */
bool parse_read_block(struct parser *p, FILE *f, char *buf, bool *eof);

/* ---------- numbers and tokens (lex.c) ---------- */

enum num_status {
    NUM_OK,
    NUM_BAD,
    NUM_RANGE,
};

/* Decimal or 0x hex s[0..n), with a K/M/G suffix when suffix is true. */
enum num_status lex_num(const char *s, size_t n, bool suffix, uint64_t *out);

/* A number token (lex_num), failing the parse when it is none: "expected
 * WHAT, got 'TOKEN'" (what: "a size", "an address"), or "number too large"
 * past 64 bits. */
bool lex_num_tok(struct parser *p, const struct tok *t, bool suffix, const char *what, uint64_t *v);

/* The value + 1 of hex digit c, 0 when c is none. */
static inline unsigned hex_plus1(char c)
{
    static const uint8_t table[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    };
    return table[(unsigned char)c];
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The next token of s[0..n) from *pos, stopping at blanks and at a '#'
 * comment when comments is true. False at the end of the line; *pos is then
 * where the line (or its comment) ends, and *t an empty token there. */
bool lex_next(const char *s, size_t n, size_t *pos, bool comments, struct tok *t);

static inline bool tok_is(const struct tok *t, const char *word)
{
    size_t n = strlen(word);
    return t->n == n && memcmp(t->s, word, n) == 0;
}

/* Fails the parse at the first NUL byte or invalid UTF-8 in s[0..n). */
bool lex_check_text(struct parser *p, const char *s, size_t n);

/* ---------- interning (intern.c) ---------- */

/* The id of native name s[0..n), created on first sight. */
bool intern_name(struct parser *p, const char *s, size_t n, uint32_t *id);

/* The handle of text s[0..n), stored once however often it repeats. */
bool intern_text(struct parser *p, const char *s, size_t n, uint32_t *handle);

/* The id of address a in the plain table (addresses not 16-aligned, and
 * pages past the leaf budget), created on first sight. */
bool intern_plain_addr(struct parser *p, uint64_t a, uint32_t *id);

/* intern_addr for a 16-aligned address a of page key (a's 4 KiB page + 1)
 * other than the last one looked up: finds or makes the page's leaf. */
bool intern_page_addr(struct parser *p, uint64_t a, uint64_t key, uint32_t *id);

/* Records address a as the next id (*id); the names come later, on demand. */
bool intern_new_addr_id(struct parser *p, uint64_t a, uint32_t *id);

/* The id of mtrace address a, created on first sight (trace_id_name names
 * it "0x..." in lower-case hex). See struct addr_table: a 16-aligned
 * address in the page last looked up costs one slot here. */
static inline bool intern_addr(struct parser *p, uint64_t a, uint32_t *id)
{
    struct addr_table *tb = &p->addrs;
    if (a & 15)
        return intern_plain_addr(p, a, id);
    uint64_t key = (a >> LEAF_SHIFT) + 1; /* never 0: a >> 12 < 2^52 */
    if (key != tb->last_key)
        return intern_page_addr(p, a, key, id);
    if (tb->last_leaf == NO_LEAF)
        return intern_plain_addr(p, a, id);
    uint32_t *slot = tb->leaf + (size_t)tb->last_leaf * LEAF_SLOTS + ((a >> 4) & (LEAF_SLOTS - 1));
    if (*slot) {
        *id = *slot - 1;
        return true;
    }
    if (!intern_new_addr_id(p, a, id))
        return false;
    /* intern_new_addr_id does not move the leaves. */
    *slot = *id + 1;
    return true;
}

/* ---------- the two formats (native.c, mtrace.c) ---------- */

/* Parses one line (no line end) of each format; false once the parse failed. */
bool native_line(struct parser *p, const char *s, size_t n);

/* The FACT of an `expect` line (expect.c): the tokens after the word, from
 * ln->pos; appends a struct trace_expect. w is the word `expect`. */
bool expect_line(struct parser *p, struct line *ln, const struct tok *w);
bool mtrace_line(struct parser *p, const char *s, size_t n);

#endif
