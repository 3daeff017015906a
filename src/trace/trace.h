/*
 * trace.h - a trace, parsed: configuration plus a flat array of operations.
 *
 * Two formats come in (CONTRACT 2): pagesim's native line format and glibc's
 * mtrace log, told apart by content, never by file name. Both become the same
 * plain records: struct op, which hold no machine state and no pointers.
 * Block ids are interned into dense numbers 0..nids-1 (a native name such as
 * "buf", or an mtrace address such as "0x4052a0"); captions and mtrace
 * callers are interned into one text arena. Parsing streams: the input is
 * read in blocks through one reusable line buffer, never whole into memory,
 * and costs no allocation per line (arrays grow geometrically).
 *
 * This layer knows nothing of the machine: the paging-mode enum is
 * arch/paging_mode.h's, shared with sim. The
 * RAM and TLB limits a `ram` or `tlb` line is checked against are the
 * machine's, shared through limits/limits.h.
 */
#ifndef PAGESIM_TRACE_TRACE_H
#define PAGESIM_TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/paging_mode.h"

enum trace_format {
    TRACE_NATIVE,
    TRACE_MTRACE,
};

/*
 * mtrace lines become ops as follows (id TRACE_NO_ID where the log says (nil)):
 *   + ADDR SIZE        OP_MALLOC, id = ADDR, a = SIZE, OP_F_TOUCH
 *   + (nil) SIZE       OP_MALLOC, id = TRACE_NO_ID, OP_F_FAILED (nothing to touch)
 *   - ADDR / - (nil)   OP_FREE, id = ADDR / TRACE_NO_ID with OP_F_NULL (harmless)
 *   < OLD, > NEW SIZE  OP_REALLOC, id = OLD, id2 = NEW, a = SIZE (line/col of the '<')
 *   ! OLD SIZE         OP_REALLOC, id = id2 = OLD, a = SIZE, OP_F_FAILED
 *   ! (nil) SIZE       OP_REALLOC, id = id2 = TRACE_NO_ID, OP_F_FAILED | OP_F_NULL
 * glibc logs realloc(NULL, n) as '+' and realloc(p, 0) as '-': they arrive as
 * OP_MALLOC and OP_FREE. The caller ('@' part) is in text, or TRACE_NO_TEXT.
 */
enum op_kind {
    OP_MALLOC,  /* id, a = size */
    OP_CALLOC,  /* id, a = count, b = size */
    OP_REALLOC, /* id = old block, id2 = new id (native: same as id), a = size */
    OP_FREE,    /* id */
    OP_READ,    /* id, a = offset, b = len; or with OP_F_RAW: a = vaddr, b = len */
    OP_WRITE,   /* as OP_READ */
    OP_SAY,     /* text = caption */
    /* The lesson directives (native only; docs/trace-format.md, "Lesson
     * directives"). Each is named by its directive word. */
    OP_PROTECT,    /* protect: id (a = 0, b = 0: the pages of the whole block), or with
                      OP_F_RAW a = vaddr, b = len (bytes, >= 1); OP_F_RO: read-only,
                      else read-write; OP_F_NOINVLPG: no INVLPG afterwards */
    OP_INVLPG,     /* invlpg: id, a = offset; or with OP_F_RAW a = vaddr */
    OP_CR3_RELOAD, /* cr3 reload: MOV CR3, CR3 */
    OP_CR0_WP,     /* cr0 wp: a = 1 (on) or 0 (off) */
    OP_CR4_PGE,    /* cr4 pge: a = 1 (on) or 0 (off) */
    OP_EXEC,       /* exec: as OP_READ with b = 1, an instruction fetch */
    OP_KIND_COUNT
};

#define OP_F_RAW      (1u << 0) /* the op names a raw virtual address, no id */
#define OP_F_FAILED   (1u << 1) /* mtrace: the program's call returned null */
#define OP_F_TOUCH    (1u << 2) /* mtrace: write the first byte after allocating */
#define OP_F_NULL     (1u << 3) /* mtrace: free or realloc of a null pointer */
#define OP_F_USER     (1u << 4) /* read/write/exec: a user-mode (CPL 3) access */
#define OP_F_RO       (1u << 5) /* protect: read-only (clear: read-write) */
#define OP_F_NOINVLPG (1u << 6) /* protect: leave the TLB stale on purpose */

#define TRACE_NO_ID   UINT32_MAX
#define TRACE_NO_TEXT UINT32_MAX

struct op {
    uint8_t kind;  /* enum op_kind */
    uint8_t flags; /* OP_F_* */
    uint32_t col;  /* byte column of the operation's first token (1-based) */
    uint32_t line; /* line in the trace (1-based) */
    uint32_t id;   /* block id, or TRACE_NO_ID */
    uint32_t id2;  /* realloc: id of the block afterwards */
    uint32_t text; /* OP_SAY: caption; mtrace: caller; else TRACE_NO_TEXT */
    uint64_t a;
    uint64_t b;
};

/*
 * An `expect FACT` line (docs/trace-format.md, "Checked lessons"): a
 * statement about the machine right after operation `op`, the last
 * operation before the line that is not a `say` (0: right after the boot).
 * It is not an operation: it has no op number and the replay checks it as
 * it passes op. The trace layer only reads it; replay/expect.c checks it.
 */
enum expect_kind {
    EXPECT_TLB_HIT,     /* tlb hit: the last access of op hit the TLB */
    EXPECT_TLB_MISS,    /* tlb miss */
    EXPECT_FAULT_PF,    /* fault 0xERR: op raised #PF with error code a */
    EXPECT_FAULT_GP,    /* fault #GP */
    EXPECT_NOFAULT,     /* nofault: op raised no fault */
    EXPECT_STALE,       /* stale: op's last access used a TLB entry the tables disagree with */
    EXPECT_PA,          /* pa 0xVADDR 0xPADDR: a = vaddr, b = paddr */
    EXPECT_PA_FAULT,    /* pa 0xVADDR fault: a = vaddr */
    EXPECT_FRAMES_USED, /* frames used N: a = N */
    EXPECT_FRAMES_FREE, /* frames free N: a = N */
    EXPECT_REG,         /* cr0|cr2|cr3|cr4|efer 0xVALUE: reg = enum expect_reg, a = value */
    EXPECT_TLB_HOLDS,   /* tlb holds 0xVADDR: a = vaddr */
    EXPECT_TLB_LACKS,   /* tlb lacks 0xVADDR: a = vaddr */
    EXPECT_HEAP_LIVE,   /* heap live N: a = live blocks */
    EXPECT_FAULTS,      /* faults N: a = #PF + #GP raised since the boot */
    EXPECT_KIND_COUNT
};

enum expect_reg {
    EXPECT_CR0,
    EXPECT_CR2,
    EXPECT_CR3,
    EXPECT_CR4,
    EXPECT_EFER,
};

struct trace_expect {
    uint8_t kind;  /* enum expect_kind */
    uint8_t reg;   /* enum expect_reg, for EXPECT_REG */
    uint32_t line; /* line in the trace (1-based) */
    uint32_t col;  /* column of the fact's first token (1-based) */
    uint32_t text; /* the fact as written (after `expect `), a text handle */
    uint64_t op;   /* checked right after this operation (1-based; 0: the boot) */
    uint64_t say;  /* the last `say` before the line (its op number; 0: none) */
    uint64_t a;
    uint64_t b;
};

/* A physical range; start + len never overflows and len is never 0.
 * Native `reserve START END` gives len = END - START. */
struct trace_range {
    uint64_t start; /* bytes */
    uint64_t len;   /* bytes */
    uint32_t label; /* text handle, or TRACE_NO_TEXT */
    uint32_t line;
    uint32_t col; /* column of START (1-based) */
};

/* Configuration lines; has_* says whether the trace set the value. */
struct trace_config {
    bool has_ram, has_paging, has_tlb;
    uint64_t ram;                   /* bytes (default 16 MiB) */
    enum paging_mode paging;        /* default PAGING_32 */
    unsigned tlb_entries, tlb_ways; /* default 64, 4 */
    struct trace_range *reserve;    /* [start, start+len) reserved */
    size_t nreserve;
    struct trace_range *identity; /* identity-mapped ranges */
    size_t nidentity;
    unsigned ram_line, paging_line, tlb_line; /* where each was set; 0: not set */
    unsigned ram_col, paging_col, tlb_col;    /* the column of its value (1-based) */
};

struct trace {
    enum trace_format format;
    char *name; /* the path as given ("-" for stdin) */
    struct op *ops;
    size_t nops;
    struct trace_config cfg;
    uint32_t nids; /* ids are 0..nids-1 */
    /* The `expect` lines, in line order (so op never decreases). A trace
     * being read (trace_reader) holds those of the current batch only: the
     * lines read since the previous batch, which may check operations of
     * earlier batches. */
    struct trace_expect *expects;
    size_t nexpects;
    /* Private: interning tables and the text arena. Use the accessors. */
    char *arena;
    size_t arena_len, arena_cap;
    uint32_t *id_name; /* per id: text handle of its name */
    size_t id_cap;
    void *intern; /* private: mtrace per-id addresses and names made on demand; NULL for native */
};

/* An input error (STYLE.md 5): where, the offending token, and what. */
struct trace_error {
    unsigned line;  /* 1-based; 0 when not about a line (I/O) */
    unsigned col;   /* 1-based */
    char token[64]; /* the offending token, truncated, NUL-terminated */
    char msg[192];  /* what is wrong, without the position */
    /* Not empty when the fault is a command-line option's value, not the
     * trace ("--ram"; token then holds the value): a command-line error. */
    char option[16];
};

/* Parses the trace at path ("-" reads stdin). Returns the trace, or NULL with
 * *err filled (unreadable file, syntax error, value out of range, no memory).
 * Never prints. */
struct trace *trace_load(const char *path, struct trace_error *err);

/* Parses from an open stream, read in 64 KiB blocks to its end (f is not
 * closed); name is recorded as the trace's name. Fails as trace_load. */
struct trace *trace_load_stream(FILE *f, const char *name, struct trace_error *err);

/* Parses len bytes of data (need not be NUL-terminated); fails as trace_load.
 * Lines may end in LF or CRLF; a line longer than 16 MiB is an error. */
struct trace *trace_parse(const char *data, size_t len, const char *name, struct trace_error *err);

/*
 * Reading a trace while it is replayed (headless replay): the same parser and
 * the same errors, but the operations arrive in batches (those of one 64 KiB
 * block of input) and each batch is forgotten when the next is read, so a
 * trace of any length costs memory only for its ids and texts.
 *
 * trace_reader_trace() is the trace read so far: its configuration is whole
 * once the first batch has arrived (configuration lines come before the
 * first operation), nids and the names grow as ids appear, and ops[0..nops)
 * is the current batch, operation trace_reader_first() + i + 1 of the whole
 * trace (1-based) being ops[i].
 */
struct trace_reader;

/* mtrace callers ('@' parts) are checked but not kept: op.text is
 * TRACE_NO_TEXT (for a replay that never shows them). */
#define TRACE_READ_NO_CALLERS (1u << 0)

/* Opens path ("-": stdin) for reading; flags TRACE_READ_*. Returns NULL with
 * *err filled when the file cannot be opened or memory runs out. */
struct trace_reader *trace_reader_open(const char *path, unsigned flags, struct trace_error *err);

/* Reads on to the next batch: *n operations (0: the trace has ended, and
 * was whole). Returns false with *err filled on any error trace_load reports
 * (same line, column, token and message); the reader then stays failed. */
bool trace_reader_next(struct trace_reader *r, size_t *n, struct trace_error *err);

/* The trace read so far (above); valid until trace_reader_close. */
const struct trace *trace_reader_trace(const struct trace_reader *r);

/* Operations read before the current batch. */
uint64_t trace_reader_first(const struct trace_reader *r);

/* Closes the file (unless stdin) and frees everything. NULL is allowed. */
void trace_reader_close(struct trace_reader *r);

/* Frees the trace. NULL is allowed. */
void trace_free(struct trace *t);

/* The name of block id ("buf", "0x4052a0"); "?" for an unknown id. */
const char *trace_id_name(const struct trace *t, uint32_t id);

/* The text behind a handle (caption, caller, label); "" for TRACE_NO_TEXT. */
const char *trace_text(const struct trace *t, uint32_t handle);

/* "malloc", "calloc", ..., "say", then the lesson directives' words "protect",
 * "invlpg", "cr3", "cr0", "cr4", "exec"; and "native" / "mtrace", and "32" / "pse" /
 * "pae" / "long". "?" for a value out of range. */
const char *trace_op_name(enum op_kind k);
const char *trace_format_name(enum trace_format f);
const char *trace_paging_name(enum paging_mode p);

/* Parses a paging-mode word ("32", "pse", "pae", "long"). */
bool trace_paging_parse(const char *s, enum paging_mode *out);

/* Parses a number as the native format writes it: decimal or 0x hex, with an
 * optional K, M or G suffix (powers of 1024) when allow_suffix. False on any
 * other text or on overflow. For the command line (--ram, --tlb, VADDR). */
bool trace_number_parse(const char *s, bool allow_suffix, uint64_t *out);

/*
 * Makes text from a trace (or a file name) safe to print on a terminal:
 * copies s[0..n) into dst with every byte that could act on a terminal
 * escaped: tab, newline and CR as \t, \n, \r; the other C0 controls and DEL
 * as \xNN (ESC is \x1b); the C1 controls U+0080..U+009F as the two bytes of
 * their UTF-8 form, \xc2\xNN; and every byte that is not part of valid
 * UTF-8 as \xNN. Printable ASCII (the backslash included) and valid UTF-8
 * characters are kept. dst gets at most dstlen - 1 bytes and a NUL (dstlen
 * 0: nothing); an escape or a character is never cut in two. Returns the
 * length written. Can't fail.
 */
size_t trace_escape(char *dst, size_t dstlen, const char *s, size_t n);

#endif
