/*
 * fmt.h - the visualizer's format functions: model values in, rows of text
 * with a colour role per character out (STYLE.md 1.6, htop's display-then-
 * print split). Nothing here touches curses, the clock or global state, so
 * every function is unit-tested (tests/test_ui_fmt.c) and the views only
 * paint what these produce.
 *
 * What is decoded here is the hardware's, bit for bit (SDM Vol. 3A ch. 4):
 * entry flags (4.3 tables 4-4..4-6, 4.4 tables 4-8..4-11, 4.5 tables
 * 4-14..4-20), the physical address an entry holds (PSE-36 for a 4 MiB PDE),
 * the linear-address fields each paging mode indexes by (figures 4-2..4-10)
 * and the page-fault error code (4.7, figure 4-12).
 */
#ifndef PAGESIM_UI_FMT_H
#define PAGESIM_UI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay/timeline.h"
#include "sim/machine.h"
#include "sim/mmu.h"
#include "sim/pfa.h"

/* What a piece of text means on screen. Only theme.c maps roles to colours
 * and attributes (STYLE.md 1.8). */
enum ui_role {
    UI_NORMAL,
    UI_DIM,        /* secondary text: labels, empty entries */
    UI_TITLE,      /* a pane's title */
    UI_STATUS,     /* the status line */
    UI_KEYBAR,     /* the key bar */
    UI_CURSOR,     /* the selected frame, entry or block */
    UI_CHANGED,    /* touched by the current step */
    UI_FAULT,      /* a fault, a diagnostic */
    UI_CAPTION,    /* a trace's say text */
    UI_PRESENT,    /* a present entry */
    UI_NOTPRESENT, /* a not-present entry */
    UI_HIT,        /* TLB hit */
    UI_MISS,       /* TLB miss */
    UI_FRAME_FREE,
    UI_FRAME_RESERVED,
    UI_FRAME_USED, /* allocated with no stated role */
    UI_FRAME_KERNEL,
    UI_FRAME_PML4,
    UI_FRAME_PDPT,
    UI_FRAME_PD,
    UI_FRAME_PT,
    UI_FRAME_HEAP,
    UI_FRAME_DEVICE,
    UI_FIELD0, /* linear-address fields, from the top index down */
    UI_FIELD1,
    UI_FIELD2,
    UI_FIELD3,
    UI_FIELD_OFF, /* the page offset */
    UI_ROLE_COUNT
};

/* One row of text, at most FMT_LINE_MAX characters of ASCII, each with its
 * role. text is always NUL-terminated. */
#define FMT_LINE_MAX 320

struct fmt_line {
    int len;
    char text[FMT_LINE_MAX + 1];
    uint8_t role[FMT_LINE_MAX + 1]; /* enum ui_role per character */
};

/* Empties l. Can't fail. */
void fmt_line_clear(struct fmt_line *l);

/* Appends printf-formatted text in role to l; what does not fit in
 * FMT_LINE_MAX is dropped. Returns the number of characters appended. */
int fmt_put(struct fmt_line *l, enum ui_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The mark shown next to a caption whose `expect` facts were checked
 * (timeline_caption_mark): a check mark when they held, a cross when one
 * failed, in UTF-8 ("\u2713", "\u2717") or, when the terminal is not UTF-8,
 * in ASCII ("[ok]", "[X]"); "" for TIMELINE_MARK_NONE. *role receives its
 * role (UI_HIT, UI_FAULT). Can't fail. */
const char *fmt_expect_mark(enum timeline_mark m, bool utf8, enum ui_role *role);

/* Appends n copies of c in role (clipped as fmt_put). */
void fmt_fill(struct fmt_line *l, enum ui_role role, char c, int n);

/* Gives characters [from, l->len) the role (highlights). Can't fail. */
void fmt_recolor(struct fmt_line *l, int from, enum ui_role role);

/* --- frames --------------------------------------------------------------- */

/* A grid cell: one ASCII glyph and its role. */
struct fmt_cell {
    char glyph;
    uint8_t role; /* enum ui_role */
};

/* The cell of one frame from its bytemap state and role: '.' free, '#'
 * reserved, 'K' kernel, 'L' PML4, 'P' PDPT, 'D' page directory, 'T' page
 * table, 'H' heap, 'V' device, 'U' used with no stated role. Unknown values
 * show as '?' (UI_FAULT). */
struct fmt_cell fmt_frame_cell(uint8_t state, uint8_t role);

/* The cell of the frames [first, first+count) of the byte maps (state and
 * role per frame, nframes each; frames past nframes are ignored): the cell of
 * the most telling frame in the group, by priority table levels (top first) >
 * heap > device > kernel > used > reserved > free. A group wholly past the
 * end is a blank ' '. Reads every frame of the group once (word-at-a-time
 * over runs of free frames). */
struct fmt_cell fmt_frame_group(const uint8_t *states, const uint8_t *roles, uint64_t nframes,
                                uint64_t first, uint64_t count);

/* Frames per grid cell so that nframes fit in cells cells, rounded up to a
 * power of two (at least 1). cells 0 counts as 1. */
uint64_t fmt_frames_per_cell(uint64_t nframes, uint64_t cells);

/* "4 KiB", "16 MiB", "1.5 GiB": bytes in the largest unit that keeps one
 * decimal at most, into buf (at least 16 bytes). Returns buf. */
const char *fmt_size(uint64_t bytes, char *buf, size_t len);

/* --- paging structures ---------------------------------------------------- */

/* The shape of one paging mode, for tables and address splits: its row of
 * sim/paging.h, with the fields the views read copied out of it. */
struct fmt_mode {
    const struct paging_geom *g; /* the description; every decode asks it */
    enum paging_mode paging;
    unsigned levels;                      /* 2 (32/pse), 3 (pae) or 4 (long) */
    unsigned entry_bytes;                 /* 4 or 8 */
    uint8_t level[PAGING_MAX_LEVELS];     /* enum walk_level, from the top */
    uint8_t shift[PAGING_MAX_LEVELS];     /* linear-address bit each level's index starts at */
    uint16_t nentries[PAGING_MAX_LEVELS]; /* entries per table at each level */
    unsigned va_bits;                     /* 32 or 48 */
};

/* The shape of paging mode p, from paging_geom(p). Can't fail (PAGING_OFF or
 * an unknown p gives 32-bit). */
struct fmt_mode fmt_mode_of(enum paging_mode p);

/* True when entry e at level lvl maps a page (leaf) rather than a table
 * (paging_is_leaf): always for a PTE, for a PDE or PDPTE with PS=1 where the
 * mode allows large pages there (PDE: pse, pae, long; PDPTE: long only). */
bool fmt_entry_is_leaf(const struct fmt_mode *m, enum walk_level lvl, uint64_t e);

/* The physical address entry e holds (table base or page base), decoded per
 * format: 32-bit bits 31:12, a 4 MiB PDE's bits 31:22 plus PSE-36 bits 20:13
 * as PA 39:32; 64-bit bits M-1:12 (M = maxphyaddr), a large page's base
 * without its PAT bit. */
uint64_t fmt_entry_addr(const struct fmt_mode *m, enum walk_level lvl, uint64_t e,
                        unsigned maxphyaddr);

/* Bytes of linear space one entry at lvl covers in mode m (4 KiB..512 GiB). */
uint64_t fmt_entry_span(const struct fmt_mode *m, enum walk_level lvl);

/* The first linear address covered by entry index of a table at lvl, whose
 * own range starts at base; sign-extended from bit 47 in long mode. */
uint64_t fmt_entry_va(const struct fmt_mode *m, enum walk_level lvl, uint64_t base, unsigned index);

/* The flag letters of entry e, always 10 characters plus NUL into out, one
 * per bit 0..8 and 63, as sim/paging.h's flag table reads the bit at lvl:
 * P W U T C A D S G X for present, writable, user, write-through (PWT),
 * cache-disable (PCD), accessed, dirty, page size (PS), global,
 * execute-disable; bit 7 of a PTE is PAT and shows as 'p'; a bit reserved
 * at that level (PS in a PML4E, R/W in a PAE PDPTE) shows as 'R' when set.
 * A '-' for each clear bit and each bit the level ignores (bit 7 of a 32-bit
 * PDE without CR4.PSE, bit 63 of a 32-bit entry). */
void fmt_entry_flags(const struct fmt_mode *m, enum walk_level lvl, uint64_t e, char out[11]);

/* One table row: "idx raw flags kind pa va-range", in role UI_PRESENT or
 * UI_NOTPRESENT (UI_CHANGED when changed). base is the linear address where
 * the table's range starts. compact: the range as "va +size" (71 columns
 * for a 64-bit entry, where the range takes 81). */
void fmt_entry_row(struct fmt_line *l, const struct fmt_mode *m, enum walk_level lvl,
                   unsigned index, uint64_t e, uint64_t base, unsigned maxphyaddr, bool changed,
                   bool compact);

/* The flags of the entries' column, in its order, and PAT ('p'). */
#define FMT_ENTRY_FLAGS 11
extern const enum paging_flag_id fmt_entry_flag_ids[FMT_ENTRY_FLAGS];

/* Appends the legend of flags ids[0..n), from sim/paging.h's flag table
 * (the one place the letters are written): "P:present W:RW U:US ..." - the
 * letter, then the SDM's short name, or for a one-letter name the first
 * word of its meaning. */
void fmt_flag_legend(struct fmt_line *l, const enum paging_flag_id *ids, size_t n);

/* --- linear addresses ----------------------------------------------------- */

/* One field of a linear address: bits hi..lo. */
struct fmt_field {
    const char *name; /* "PDE", "PTE", "PML4", ..., "offset" */
    uint8_t hi, lo;
    uint64_t value;
};

/* Splits va into the fields mode m indexes it by, top first, the page offset
 * last; page_size (4 KiB, 2 MiB, 4 MiB or 1 GiB) shortens the walk and widens
 * the offset: 32-bit 10|10|12, PSE 4 MiB 10|22, PAE 2|9|9|12 (2 MiB:
 * 2|9|21), long 9|9|9|9|12 (2 MiB: 9|9|9|21, 1 GiB: 9|9|30). Returns the
 * number of fields (at most 5); out must hold 5. */
unsigned fmt_addr_fields(const struct fmt_mode *m, uint64_t page_size, uint64_t va,
                         struct fmt_field out[PAGING_MAX_LEVELS + 1]);

/* Appends va's bits (m->va_bits of them, top first) to l, one group per field
 * separated by '|', each group in its field's role (UI_FIELD0.., offset in
 * UI_FIELD_OFF). */
void fmt_addr_binary(struct fmt_line *l, const struct fmt_field *f, unsigned n);

/* --- faults ---------------------------------------------------------------- */

/* Line i (0..4) of a page-fault error code's decoding, bit i: "bit 0 P    =1
 * protection violation" (SDM figure 4-12). Returns false for i > 4. */
bool fmt_pf_bit(struct fmt_line *l, uint32_t code, unsigned i);

/* --- status line ----------------------------------------------------------- */

struct fmt_status {
    const char *trace; /* the trace's name */
    size_t op, nops;   /* operations done, of nops */
    size_t ev, nev;    /* stepping into an op: the cursor's event of nev (nev 0: not) */
    const char *step;  /* the step that event belongs to (replay/steps.h), or NULL: row 1 */
    const char *mode;  /* "32", "pse", "pae", "long" */
    uint64_t cr0, cr2, cr3, cr4;
    bool playing;
    bool quiz;                       /* quiz mode on: "QUIZ R/A" after PLAYING / PAUSED */
    unsigned quiz_right, quiz_asked; /* the quiz's score: right of asked */
    unsigned speed;                  /* operations per second */
    const char *where;               /* the current trace line ("L7 malloc a 100"), may be NULL */
    const char *note;                /* breakpoint or message, may be NULL */
};

/* The two status rows (CONTRACT 4), each exactly width characters (at most
 * FMT_LINE_MAX). Row 0: trace name, operation k/N (ev j/M), paging mode,
 * CR0, CR2, CR3, CR4 and PLAYING or PAUSED (QUIZ in quiz mode) with the
 * speed, in full words ("| 32 | CR0=0x80000011 ... | PAUSED 1 op/s") when
 * they fit, else compact ("32 CR0=80000011 ... PAUSED 1/s"). A value is
 * never cut: when row 0 has no room, the name goes to row 1 (its last path
 * component, or its tail marked '<', when short of room), the fields in full
 * words again if they fit, else compact, and then fields that do not fit
 * flow whole to row 1. Row 1: those, the current trace
 * line (cut to what is left, marked '~'), the step name and the note. */
void fmt_status_rows(struct fmt_line *row0, struct fmt_line *row1, const struct fmt_status *s,
                     int width);

/* --- wrapping ------------------------------------------------------------- */

/* Wraps src into rows[0..max) of at most width columns, roles kept,
 * breaking at spaces (a word longer than a row is broken where the row
 * ends); rows after the first are indented by indent columns (at most half
 * the width). When src needs more than max rows, the last one ends in
 * "...". Returns the number of rows written: 0 for an empty src, or max < 1,
 * or width < 8. UTF-8 continuation bytes take no column. */
int fmt_wrap_line(struct fmt_line *rows, int max, int width, int indent,
                  const struct fmt_line *src);

/* fmt_wrap_line of prefix (may be NULL; in UI_DIM) followed by text in
 * role (escaped as fmt_put escapes it), the other rows indented as wide as
 * the prefix. 0 when text is empty. */
int fmt_wrap(struct fmt_line *rows, int max, int width, enum ui_role role, const char *prefix,
             const char *text);

#endif
