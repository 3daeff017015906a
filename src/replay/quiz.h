/*
 * quiz.h - translation exercises on a real machine state, as OSTEP's paging
 * simulators give them (paging-linear-translate.py, paging-multilevel-
 * translate.py with -c), but in the real x86 formats of the Intel SDM Vol. 3A
 * chapter 4: 32-bit paging (4.3), PSE 4 MiB pages, PAE (4.4) and 4-level
 * paging (4.5).
 *
 * quiz_create() boots a machine (sim/machine.h) in the chosen mode, runs a
 * small allocation workload drawn from a seeded generator (splitmix64: the
 * same seed gives the same machine, bit for bit), then draws questions: an
 * address and an access (read, write or fetch; supervisor or user). The
 * questions mix translations that succeed (heap, kernel image in the higher
 * half, identity-mapped VGA page, large page) and faults (not present at the
 * PTE or at a higher level, user access to a supervisor page, fetch from an
 * execute-disabled page, non-canonical address in 4-level paging). Each
 * answer is machine_probe()'s: the walk in simulated RAM with no side effect.
 *
 * The tables a student needs (those on the questions' walk paths, each once,
 * in order of first use) are listed; quiz_explain() writes the walk of one
 * question step by step. Pure: no I/O, no clock; cli/ and ui/ print.
 */
#ifndef PAGESIM_REPLAY_QUIZ_H
#define PAGESIM_REPLAY_QUIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/machine.h"
#include "sim/mmu.h"

#define QUIZ_MAX_QUESTIONS 100u
#define QUIZ_DEFAULT_COUNT 5u
#define QUIZ_DEFAULT_SEED  UINT64_C(1)

struct quiz_config {
    uint64_t seed;           /* any value; the same seed gives the same quiz */
    enum paging_mode paging; /* default PAGING_32 */
    uint64_t ram_bytes;      /* 0: the machine's default (16 MiB); else a multiple of 4 KiB */
    unsigned count;          /* questions, 1..QUIZ_MAX_QUESTIONS */
};

/* What a question was drawn to show. The answer comes from the probe, never
 * from the kind: the kind only says why the address was chosen. */
enum quiz_kind {
    QUIZ_HEAP,              /* a byte of a live heap block: translates */
    QUIZ_KERNEL,            /* the kernel image in the higher half (G=1): translates */
    QUIZ_IDENTITY,          /* the identity-mapped VGA text page: translates */
    QUIZ_LARGE_PAGE,        /* inside an identity-mapped 4 MiB / 2 MiB page (pse, pae, long) */
    QUIZ_NOT_PRESENT_PTE,   /* the walk reaches a PTE with P=0 */
    QUIZ_NOT_PRESENT_UPPER, /* P=0 in a PDE (or a PDPTE, PML4E) */
    QUIZ_USER_SUPERVISOR,   /* a user access to a supervisor page */
    QUIZ_EXEC_DISABLED,     /* a fetch from an XD page (pae, long: EFER.NXE=1) */
    QUIZ_NON_CANONICAL,     /* 4-level paging: bits 63:47 not all equal -> #GP */
    QUIZ_KIND_COUNT
};

struct quiz_question {
    enum quiz_kind kind;
    uint64_t va; /* the linear address (below 2^32 outside 4-level paging) */
    enum mmu_access access;
    bool user;                /* CPL 3 */
    bool ok;                  /* translated: answer.pa is the answer */
    struct mmu_result answer; /* machine_probe()'s result: pa or fault, walk steps */
};

/* A paging structure on some question's walk path. */
struct quiz_table {
    uint64_t pa;          /* physical base of the table */
    uint8_t level;        /* enum walk_level of its entries */
    unsigned nentries;    /* 1024 (32-bit), 512 (PAE, 4-level) or 4 (PAE PDPT) */
    unsigned entry_bytes; /* 4 or 8 */
};

struct quiz;

/* Fills c with the defaults: seed 1, 32-bit paging, default RAM, 5 questions. */
void quiz_config_default(struct quiz_config *c);

/* Builds the machine, runs the seeded workload and draws cfg->count
 * questions with their answers. Returns NULL with *status set when the
 * machine cannot be built (MACHINE_ERR_CONFIG also for a count outside
 * 1..QUIZ_MAX_QUESTIONS; MACHINE_ERR_BOOT when the RAM is too small). */
struct quiz *quiz_create(const struct quiz_config *cfg, enum machine_status *status);

/* Frees q and its machine. NULL is allowed. */
void quiz_destroy(struct quiz *q);

/* The machine the questions are about (its state after the workload). */
const struct machine *quiz_machine(const struct quiz *q);
const struct quiz_config *quiz_config(const struct quiz *q);

/* Number of questions, and question i (0-based, i < quiz_count). */
unsigned quiz_count(const struct quiz *q);
const struct quiz_question *quiz_question(const struct quiz *q, unsigned i);

/* The tables on the questions' walk paths, each once, in order of first use
 * (question 1's top level first). i < quiz_table_count. */
unsigned quiz_table_count(const struct quiz *q);
const struct quiz_table *quiz_table(const struct quiz *q, unsigned i);

/* Entry i of table t as it is in RAM (zero-extended for 4-byte entries). */
uint64_t quiz_table_entry(const struct quiz *q, const struct quiz_table *t, unsigned i);

/* "heap", "kernel", "identity", "large page", "not present (PTE)", ... */
const char *quiz_kind_name(enum quiz_kind k);

/* The flags of entry e at level lvl, in the machine's format, as words:
 * "P RW S A D G" (RW or RO, U or S, then PWT PCD A D PS/PAT G XD where set).
 * Writes at most len-1 bytes and a NUL (len 0: nothing); returns the full
 * length, as snprintf. Can't fail. */
size_t quiz_entry_flags(const struct quiz *q, enum walk_level lvl, uint64_t e, char *buf,
                        size_t len);

/* "supervisor write to 0xd0000030". Same buffer rules. */
size_t quiz_question_text(const struct quiz *q, unsigned i, char *buf, size_t len);

/* The answer in one line: "physical address 0x00107030 (4 KiB page)" or
 * "#PF (vector 14), error code 0x00000005 = P U: user access to supervisor
 * page; CR2 = 0xd0000030" or "#GP(0) (vector 13): non-canonical address".
 * Same buffer rules. */
size_t quiz_answer_text(const struct quiz *q, unsigned i, char *buf, size_t len);

/* The walk of question i explained step by step, several lines, each
 * indented by four spaces and ending in '\n': the address split into its
 * index fields (binary and decimal), CR3, each entry read (table + index *
 * size = entry address, value, flags, where it points), the rights combined
 * over the levels, and frame + offset = physical address or the fault.
 * Same buffer rules. */
size_t quiz_explain(const struct quiz *q, unsigned i, char *buf, size_t len);

#endif
