/*
 * quiz.c - translation exercises on a real machine state (quiz.h).
 *
 * The machine: the usual boot (docs/memory-layout.md) with the VGA text page
 * identity-mapped (a 4 KiB page at a low address, PDE 0) and, where the mode
 * has large pages (CR4.PSE in 32-bit paging, SDM Vol. 3A 4.3; PS in a PDE in
 * PAE and 4-level paging, 4.4.2 and 4.5.4), the 4 MiB at 0x400000
 * identity-mapped too, which the VMM maps with one 4 MiB PDE or two 2 MiB
 * PDEs. The large-block threshold is lowered to 16 KiB so that a large block
 * takes a handful of pages of its own, not thirty. Then a workload drawn from
 * splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", 2014; never rand(), so a seed means the same thing
 * everywhere): small blocks, one or two large ones, some frees, some writes
 * (the A and D bits a student sees in the tables are the workload's).
 *
 * The questions alternate between the two families (translates / faults) so
 * that even two questions show both; within a family the kinds come in a
 * shuffled round. Each candidate address is checked with machine_probe(): a
 * kind is kept only when the probe agrees with it (a "not present at the
 * PTE" candidate must really fault at the PTE), after a bounded number of
 * tries the next kind of the family is taken, and the heap and kernel kinds
 * always succeed, so drawing always ends. The answer stored is the probe's
 * result as it is: nothing here computes a translation of its own.
 */
#include "replay/quiz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/explain.h"
#include "replay/strbuf.h"
#include "sim/cpu.h"
#include "sim/phys.h"
#include "sim/vmm.h"
#include "sim/x86.h"

#define QUIZ_NIDS       16u
#define QUIZ_LARGE_MIN  (UINT64_C(16) << 10) /* large-block threshold, bytes */
#define QUIZ_VGA_PA     UINT64_C(0xB8000)
#define QUIZ_LARGE_PA   UINT64_C(0x400000)
#define QUIZ_LARGE_LEN  UINT64_C(0x400000)
#define QUIZ_MAX_TABLES (QUIZ_MAX_QUESTIONS * 4u)
#define QUIZ_TRIES      64
#define QUIZ_MAX_BLOCKS QUIZ_NIDS

struct quiz_block {
    uint64_t va;
    uint64_t size;
};

struct quiz {
    struct quiz_config cfg;
    struct machine *m;
    uint64_t rng;
    const struct paging_geom *g; /* the mode's row of sim/paging.h */
    bool wide;                   /* 64-bit entries (PAE, 4-level) */
    bool long_mode;              /* 4-level paging: 64-bit addresses */
    bool nxe;                    /* EFER.NXE=1: XD is honoured */
    bool has_large;              /* the large identity page is mapped */
    uint64_t kbase;              /* virtual address of the kernel image */
    struct quiz_block live[QUIZ_MAX_BLOCKS];
    unsigned nlive;
    struct quiz_block freed[QUIZ_MAX_BLOCKS]; /* large blocks given back */
    unsigned nfreed;
    unsigned n;
    struct quiz_question q[QUIZ_MAX_QUESTIONS];
    unsigned ntables;
    struct quiz_table t[QUIZ_MAX_TABLES];
};

/* --- the generator --------------------------------------------------------- */

static uint64_t next(struct quiz *q)
{
    uint64_t z = (q->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9); /* not paging: splitmix64 */
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A value in [0, n), n > 0 (the modulo bias is far below what matters here). */
static uint64_t below(struct quiz *q, uint64_t n)
{
    return n == 0 ? 0 : next(q) % n;
}

/* The lower canonical half of 4-level paging: bits 46:0. */
static uint64_t low_half(const struct quiz *q)
{
    return (UINT64_C(1) << (paging_va_bits(q->g) - 1)) - 1;
}

void quiz_config_default(struct quiz_config *c)
{
    c->seed = QUIZ_DEFAULT_SEED;
    c->paging = PAGING_32;
    c->ram_bytes = 0;
    c->count = QUIZ_DEFAULT_COUNT;
}

/* --- the workload ---------------------------------------------------------- */

static void workload(struct quiz *q)
{
    struct machine *m = q->m;
    uint32_t nsmall = 4 + (uint32_t)below(q, 5); /* 4..8 small blocks */
    uint32_t id = 0;
    for (; id < nsmall; id++) {
        uint64_t size = below(q, 10) < 7 ? 16 + below(q, 1000) : 1000 + below(q, 7000);
        machine_malloc(m, id, size);
    }
    uint32_t big = id++;
    machine_malloc(m, big, QUIZ_LARGE_MIN + below(q, QUIZ_LARGE_MIN));
    uint32_t gone = id++;
    bool second = below(q, 2) == 0;
    if (second)
        machine_malloc(m, gone, QUIZ_LARGE_MIN + below(q, QUIZ_LARGE_MIN / 2));
    /* Touch blocks as a program would: writes set D, reads only A. */
    for (uint32_t i = 0; i < id; i++) {
        struct machine_block b;
        if (!machine_block(m, i, &b) || !b.live)
            continue;
        uint64_t len = b.size < 64 ? b.size : 64;
        machine_access(m, i, below(q, b.size - len + 1), len,
                       below(q, 3) == 0 ? MMU_READ : MMU_WRITE);
    }
    /* Free some small blocks (never the first: one always stays), and the
     * second large block, whose pages go back: a hole in the large region. */
    for (uint32_t i = 1; i < nsmall; i++) {
        if (below(q, 3) == 0)
            machine_free(m, i);
    }
    if (second) {
        struct machine_block b;
        if (machine_block(m, gone, &b) && b.live) {
            machine_free(m, gone);
            q->freed[q->nfreed].va = b.va;
            q->freed[q->nfreed].size = b.size;
            q->nfreed++;
        }
    }
    for (uint32_t i = 0; i < id; i++) {
        struct machine_block b;
        if (machine_block(m, i, &b) && b.live && q->nlive < QUIZ_MAX_BLOCKS) {
            q->live[q->nlive].va = b.va;
            q->live[q->nlive].size = b.size;
            q->nlive++;
        }
    }
}

/* --- drawing questions ----------------------------------------------------- */

static bool probe(const struct quiz *q, struct quiz_question *qq)
{
    memset(&qq->answer, 0, sizeof qq->answer);
    qq->ok = machine_probe(q->m, qq->va, qq->access, qq->user, &qq->answer);
    return qq->ok;
}

/* A byte of a mapped region: a live block, the kernel image, the VGA page or
 * the large identity page. */
static uint64_t mapped_va(struct quiz *q, enum quiz_kind *from)
{
    for (;;) {
        switch (below(q, 4)) {
        case 0:
            if (q->nlive == 0)
                break;
            {
                const struct quiz_block *b = &q->live[below(q, q->nlive)];
                *from = QUIZ_HEAP;
                return b->va + below(q, b->size);
            }
        case 1:
            *from = QUIZ_KERNEL;
            return q->kbase + MACHINE_KERNEL_PA + below(q, MACHINE_KERNEL_SIZE);
        case 2:
            *from = QUIZ_IDENTITY;
            return QUIZ_VGA_PA + below(q, X86_PAGE_SIZE);
        default:
            if (!q->has_large)
                break;
            *from = QUIZ_LARGE_PAGE;
            return QUIZ_LARGE_PA + below(q, QUIZ_LARGE_LEN);
        }
    }
}

static enum mmu_access read_or(struct quiz *q, enum mmu_access other)
{
    return below(q, 2) == 0 ? MMU_READ : other;
}

/* The walk stopped at a not-present entry of level lvl. */
static bool not_present_at(const struct quiz_question *qq, bool pte)
{
    if (qq->ok || qq->answer.fault.vector != X86_VEC_PF ||
        qq->answer.fault.reason != FAULT_NOT_PRESENT || qq->answer.nsteps == 0)
        return false;
    bool at_pte = qq->answer.steps[qq->answer.nsteps - 1].level == LVL_PTE;
    return at_pte == pte;
}

/* An address for QUIZ_NOT_PRESENT_UPPER: one whose walk should stop at a
 * not-present entry above the page table. False when the pick is not
 * canonical (the candidate is dropped). */
static bool upper_gap_va(struct quiz *q, uint64_t *out)
{
    enum quiz_kind from;
    uint64_t va;
    if (!q->long_mode) {
        va = paging_mode_va_cut(q->g->mode, next(q)) & ~(X86_PAGE_SIZE - 1);
        va |= below(q, X86_PAGE_SIZE);
    } else if (below(q, 3) == 0) {
        va = next(q) & low_half(q); /* the empty lower half */
    } else {
        /* A neighbour of a mapped page one or more PD, PDPT or PML4
         * slots away: the walk stops higher up. */
        const struct paging_geom *g = q->g;
        const unsigned shifts[] = {g->lv[paging_depth(g, LVL_PDE)].shift,
                                   g->lv[paging_depth(g, LVL_PDPTE)].shift,
                                   g->lv[paging_depth(g, LVL_PML4E)].shift};
        va = mapped_va(q, &from) + ((1 + below(q, 4)) << shifts[below(q, 3)]);
        if (paging_va_canon(g, va) != va)
            return false;
    }
    *out = va;
    return true;
}

/* A non-canonical address for QUIZ_NON_CANONICAL (long mode). */
static uint64_t non_canonical_va(struct quiz *q)
{
    enum quiz_kind from;
    uint64_t va;
    if (below(q, 2) == 0) {
        /* A kernel pointer with one high bit knocked out. */
        unsigned vb = paging_va_bits(q->g); /* 48 */
        va = mapped_va(q, &from);
        if (paging_va_canon(q->g, va) == va && (va >> (vb - 1)) == 0)
            va |= UINT64_C(1) << (vb + below(q, 64 - vb));
        else
            va &= ~(UINT64_C(1) << (vb + below(q, 64 - vb)));
    } else {
        /* Bits 63:47 neither all 0 nor all 1. */
        unsigned hb = paging_va_bits(q->g) - 1; /* 47 */
        uint64_t top = 1 + below(q, (UINT64_C(1) << (64 - hb)) - 2);
        va = top << hb | (next(q) & low_half(q));
    }
    return va;
}

/* One candidate of kind k into qq; true when the probe agrees with the kind. */
static bool draw(struct quiz *q, enum quiz_kind k, struct quiz_question *qq)
{
    enum quiz_kind from;
    uint64_t va;
    qq->kind = k;
    qq->user = false;
    qq->access = MMU_READ;
    switch (k) {
    case QUIZ_HEAP:
        if (q->nlive == 0)
            return false;
        {
            const struct quiz_block *b = &q->live[below(q, q->nlive)];
            qq->va = b->va + below(q, b->size);
        }
        qq->access = read_or(q, MMU_WRITE);
        return probe(q, qq);
    case QUIZ_KERNEL:
        qq->va = q->kbase + MACHINE_KERNEL_PA + below(q, MACHINE_KERNEL_SIZE);
        qq->access = read_or(q, MMU_EXEC);
        return probe(q, qq);
    case QUIZ_IDENTITY:
        qq->va = QUIZ_VGA_PA + below(q, X86_PAGE_SIZE);
        qq->access = read_or(q, MMU_WRITE);
        return probe(q, qq);
    case QUIZ_LARGE_PAGE:
        if (!q->has_large)
            return false;
        qq->va = QUIZ_LARGE_PA + below(q, QUIZ_LARGE_LEN);
        qq->access = read_or(q, MMU_WRITE);
        return probe(q, qq) && qq->answer.page_size > X86_PAGE_SIZE;
    case QUIZ_NOT_PRESENT_PTE:
        if (q->nfreed != 0 && below(q, 3) == 0) {
            const struct quiz_block *b = &q->freed[below(q, q->nfreed)];
            va = b->va + below(q, b->size);
        } else {
            va = mapped_va(q, &from);
            uint64_t d = (1 + below(q, 48)) << X86_PAGE_SHIFT;
            va = below(q, 2) == 0 ? va + d : va - d;
        }
        qq->va = paging_mode_va_cut(q->g->mode, va);
        qq->access = read_or(q, MMU_WRITE);
        probe(q, qq);
        return not_present_at(qq, true);
    case QUIZ_NOT_PRESENT_UPPER:
        if (!upper_gap_va(q, &va))
            return false;
        qq->va = va;
        qq->access = read_or(q, MMU_WRITE);
        probe(q, qq);
        return not_present_at(qq, false);
    case QUIZ_USER_SUPERVISOR:
        qq->va = mapped_va(q, &from);
        qq->user = true;
        qq->access = read_or(q, MMU_WRITE);
        return !probe(q, qq) && qq->answer.fault.reason == FAULT_USER_SUPERVISOR;
    case QUIZ_EXEC_DISABLED:
        if (!q->nxe)
            return false;
        qq->va = mapped_va(q, &from);
        qq->access = MMU_EXEC;
        return !probe(q, qq) && qq->answer.fault.reason == FAULT_EXECUTE_DISABLE;
    case QUIZ_NON_CANONICAL:
        if (!q->long_mode)
            return false;
        qq->va = non_canonical_va(q);
        qq->access = read_or(q, MMU_WRITE);
        return !probe(q, qq) && qq->answer.fault.vector == X86_VEC_GP;
    case QUIZ_KIND_COUNT:
        break;
    }
    return false;
}

static bool duplicate(const struct quiz *q, const struct quiz_question *qq)
{
    for (unsigned i = 0; i < q->n; i++) {
        if (q->q[i].va == qq->va && q->q[i].access == qq->access && q->q[i].user == qq->user)
            return true;
    }
    return false;
}

static void shuffle(struct quiz *q, enum quiz_kind *k, unsigned n)
{
    for (unsigned i = n; i > 1; i--) {
        unsigned j = (unsigned)below(q, i);
        enum quiz_kind t = k[i - 1];
        k[i - 1] = k[j];
        k[j] = t;
    }
}

struct family {
    enum quiz_kind kinds[QUIZ_KIND_COUNT];
    unsigned n;
    unsigned next;
};

/* Draws one question of the family: its kinds in a shuffled round; a kind the
 * machine cannot show in QUIZ_TRIES tries gives way to the next one, and the
 * last resort (kernel image, always mapped) cannot fail. */
static void draw_from(struct quiz *q, struct family *f, struct quiz_question *qq)
{
    for (unsigned k = 0; k < f->n; k++) {
        if (f->next == 0)
            shuffle(q, f->kinds, f->n);
        enum quiz_kind kind = f->kinds[f->next];
        f->next = (f->next + 1) % f->n;
        for (int t = 0; t < QUIZ_TRIES; t++) {
            if (draw(q, kind, qq) && !duplicate(q, qq))
                return;
        }
    }
    for (int t = 0; t < QUIZ_TRIES; t++) {
        if (draw(q, QUIZ_KERNEL, qq) && !duplicate(q, qq))
            return;
    }
    draw(q, QUIZ_KERNEL, qq);
}

static void add_table(struct quiz *q, const struct walk_step *st)
{
    for (unsigned i = 0; i < q->ntables; i++) {
        if (q->t[i].pa == st->table)
            return;
    }
    if (q->ntables == QUIZ_MAX_TABLES)
        return;
    struct quiz_table *t = &q->t[q->ntables++];
    t->pa = st->table;
    t->level = st->level;
    t->entry_bytes = q->g->entry_bytes;
    t->nentries = paging_nentries(q->g, (unsigned)paging_depth(q->g, (enum walk_level)st->level));
}

struct quiz *quiz_create(const struct quiz_config *cfg, enum machine_status *status)
{
    enum machine_status dummy;
    if (status == NULL)
        status = &dummy;
    if (cfg == NULL || cfg->count < 1 || cfg->count > QUIZ_MAX_QUESTIONS ||
        !paging_mode_configurable(cfg->paging)) {
        *status = MACHINE_ERR_CONFIG;
        return NULL;
    }
    struct quiz *q = calloc(1, sizeof *q);
    if (q == NULL) {
        *status = MACHINE_ERR_NO_MEMORY;
        return NULL;
    }
    q->cfg = *cfg;
    q->rng = cfg->seed;
    q->g = paging_geom(cfg->paging);
    q->wide = q->g->entry_bytes == 8;
    q->long_mode = q->g->canonical;

    struct machine_config mc;
    machine_config_default(&mc);
    mc.paging = cfg->paging;
    if (cfg->ram_bytes != 0)
        mc.ram_bytes = cfg->ram_bytes;
    mc.nids = QUIZ_NIDS;
    mc.large_threshold = QUIZ_LARGE_MIN;
    struct machine_range ids[2] = {
        {QUIZ_VGA_PA, X86_PAGE_SIZE, "vga"},
        {QUIZ_LARGE_PA, QUIZ_LARGE_LEN, "large page"},
    };
    /* The large page is a PDE's: 4 MiB (pse) or 2 MiB (pae, long). */
    q->has_large = q->g->lv[paging_depth(q->g, LVL_PDE)].large &&
                   mc.ram_bytes >= QUIZ_LARGE_PA + QUIZ_LARGE_LEN;
    mc.identity = ids;
    mc.nidentity = q->has_large ? 2 : 1;
    q->m = machine_create(&mc, NULL, status);
    if (q->m == NULL) {
        free(q);
        return NULL;
    }
    q->nxe = q->wide && (machine_cpu(q->m)->efer & X86_EFER_NXE) != 0;
    q->kbase = vmm_kernel_base(machine_vmm(q->m));
    workload(q);

    struct family ok = {{QUIZ_HEAP, QUIZ_KERNEL, QUIZ_IDENTITY}, 3, 0};
    if (q->has_large)
        ok.kinds[ok.n++] = QUIZ_LARGE_PAGE;
    struct family bad = {
        {QUIZ_NOT_PRESENT_PTE, QUIZ_NOT_PRESENT_UPPER, QUIZ_USER_SUPERVISOR}, 3, 0};
    if (q->nxe)
        bad.kinds[bad.n++] = QUIZ_EXEC_DISABLED;
    if (q->long_mode)
        bad.kinds[bad.n++] = QUIZ_NON_CANONICAL;
    unsigned first = (unsigned)below(q, 2);
    for (unsigned i = 0; i < cfg->count; i++) {
        struct quiz_question *qq = &q->q[i];
        draw_from(q, (i + first) % 2 == 0 ? &ok : &bad, qq);
        q->n = i + 1;
        for (unsigned s = 0; s < qq->answer.nsteps && s < PAGING_MAX_LEVELS; s++)
            add_table(q, &qq->answer.steps[s]);
    }
    *status = MACHINE_OK;
    return q;
}

void quiz_destroy(struct quiz *q)
{
    if (q == NULL)
        return;
    machine_destroy(q->m);
    free(q);
}

const struct machine *quiz_machine(const struct quiz *q)
{
    return q->m;
}

const struct quiz_config *quiz_config(const struct quiz *q)
{
    return &q->cfg;
}

unsigned quiz_count(const struct quiz *q)
{
    return q->n;
}

const struct quiz_question *quiz_question(const struct quiz *q, unsigned i)
{
    return i < q->n ? &q->q[i] : NULL;
}

unsigned quiz_table_count(const struct quiz *q)
{
    return q->ntables;
}

const struct quiz_table *quiz_table(const struct quiz *q, unsigned i)
{
    return i < q->ntables ? &q->t[i] : NULL;
}

uint64_t quiz_table_entry(const struct quiz *q, const struct quiz_table *t, unsigned i)
{
    const struct phys *p = machine_phys(q->m);
    uint64_t ea = t->pa + (uint64_t)i * t->entry_bytes;
    return t->entry_bytes == 8 ? phys_load64(p, ea) : phys_load32(p, ea);
}

const char *quiz_kind_name(enum quiz_kind k)
{
    switch (k) {
    case QUIZ_HEAP:
        return "heap";
    case QUIZ_KERNEL:
        return "kernel";
    case QUIZ_IDENTITY:
        return "identity";
    case QUIZ_LARGE_PAGE:
        return "large page";
    case QUIZ_NOT_PRESENT_PTE:
        return "not present (PTE)";
    case QUIZ_NOT_PRESENT_UPPER:
        return "not present (upper level)";
    case QUIZ_USER_SUPERVISOR:
        return "user access to supervisor page";
    case QUIZ_EXEC_DISABLED:
        return "fetch from execute-disabled page";
    case QUIZ_NON_CANONICAL:
        return "non-canonical";
    case QUIZ_KIND_COUNT:
        break;
    }
    return "?";
}

/* --- text ------------------------------------------------------------------ */

/* The texts go through the one string builder (replay/strbuf.h), under
 * the short names this file uses. */
#define sb        strbuf
#define sb_make   strbuf_make
#define sb_printf strbuf_printf

/* The depth of level lvl in the mode (its walks only meet levels it has). */
static unsigned depth_of(const struct quiz *q, enum walk_level lvl)
{
    int d = paging_depth(q->g, lvl);
    return d < 0 ? 0 : (unsigned)d;
}

/* PAE PDPTEs are registers holding only P, PWT, PCD and the address (SDM 4.4.1). */
static bool pae_pdpte(const struct quiz *q, enum walk_level lvl)
{
    return q->g->pdpte_regs && depth_of(q, lvl) == 0;
}

size_t quiz_entry_flags(const struct quiz *q, enum walk_level lvl, uint64_t e, char *buf,
                        size_t len)
{
    struct sb s = sb_make(buf, len);
    if (!(e & X86_PTE_P)) {
        sb_printf(&s, "P=0: not present, the other bits are ignored");
        return s.pos;
    }
    /* Each flag bit as the flag table reads it at this level: its word when
     * set (and, for R/W and U/S, when clear); a reserved bit only when set;
     * an ignored bit not at all. */
    unsigned d = depth_of(q, lvl);
    for (unsigned c = 0; c < PAGING_FLAG_COLUMNS; c++) {
        unsigned bit = paging_flag_column_bit(c);
        const struct paging_flag *f = paging_flag_at(q->g, d, bit);
        bool set = (e >> bit & 1) != 0;
        const char *word = f == NULL ? NULL : set ? f->on : f->off;
        if (f == paging_flag(PFLAG_RSVD) && set)
            sb_printf(&s, " bit%u", bit);
        else if (word != NULL)
            sb_printf(&s, "%s%s", c == 0 ? "" : " ", word);
    }
    return s.pos;
}

static int va_digits(const struct quiz *q)
{
    return q->long_mode ? 16 : 8;
}

static const char *who(bool user)
{
    return user ? "user" : "supervisor";
}

static const char *verb(enum mmu_access a)
{
    switch (a) {
    case MMU_READ:
        return "read from";
    case MMU_WRITE:
        return "write to";
    case MMU_EXEC:
        return "instruction fetch from";
    }
    return "?";
}

size_t quiz_question_text(const struct quiz *q, unsigned i, char *buf, size_t len)
{
    struct sb s = sb_make(buf, len);
    const struct quiz_question *qq = quiz_question(q, i);
    if (qq == NULL)
        return 0;
    sb_printf(&s, "%s %s 0x%0*" PRIx64, who(qq->user), verb(qq->access), va_digits(q), qq->va);
    return s.pos;
}

static const char *page_size_name(uint64_t size)
{
    switch (size) {
    case UINT64_C(1) << X86_PAGE_SHIFT:
        return "4 KiB";
    case UINT64_C(1) << X86_PAGE_SHIFT_2M:
        return "2 MiB";
    case UINT64_C(1) << X86_PAGE_SHIFT_4M:
        return "4 MiB";
    case UINT64_C(1) << X86_PAGE_SHIFT_1G:
        return "1 GiB";
    }
    return "?";
}

static void error_code_words(struct sb *s, uint32_t ec)
{
    explain_error_code_bits(s, ec);
    sb_printf(s, ": %s, %s, %s",
              (ec & X86_PF_RSVD) ? "reserved bit"
              : (ec & X86_PF_P)  ? "protection violation"
                                 : "page not present",
              (ec & X86_PF_ID)  ? "instruction fetch"
              : (ec & X86_PF_W) ? "write"
                                : "read",
              (ec & X86_PF_U) ? "user mode" : "supervisor mode");
}

size_t quiz_answer_text(const struct quiz *q, unsigned i, char *buf, size_t len)
{
    struct sb s = sb_make(buf, len);
    const struct quiz_question *qq = quiz_question(q, i);
    if (qq == NULL)
        return 0;
    const struct mmu_result *r = &qq->answer;
    if (qq->ok) {
        sb_printf(&s, "physical address 0x%08" PRIx64 " (%s page)", r->pa,
                  page_size_name(r->page_size));
    } else if (r->fault.vector == X86_VEC_GP) {
        sb_printf(&s, "#GP(0) (vector 13): %s; no error code, CR2 unchanged",
                  mmu_fault_reason_name((enum fault_reason)r->fault.reason));
    } else {
        sb_printf(&s, "#PF (vector 14): %s; error code 0x%" PRIx32 " (",
                  mmu_fault_reason_name((enum fault_reason)r->fault.reason), r->fault.error_code);
        error_code_words(&s, r->fault.error_code);
        sb_printf(&s, "); CR2 = 0x%0*" PRIx64, va_digits(q), r->fault.addr);
    }
    return s.pos;
}

/* bits hi:lo of v in binary. */
static void binary(struct sb *s, uint64_t v, unsigned hi, unsigned lo)
{
    for (unsigned b = hi + 1; b-- > lo;)
        sb_printf(s, "%c", (int)('0' + ((v >> b) & 1)));
}

struct field {
    const char *name; /* the entry's level, or "offset" */
    bool index;       /* an index field: "<name> index" */
    unsigned hi, lo;
};

/* The linear-address fields of the mode, top down, 4 KiB split. */
static unsigned fields_of(const struct quiz *q, struct field *f)
{
    const struct paging_geom *g = q->g;
    unsigned hi = paging_va_bits(g) - 1;
    unsigned n = 0;
    for (unsigned d = 0; d < g->nlevels; d++, n++) {
        f[n] = (struct field){mmu_level_name((enum walk_level)g->lv[d].level), true, hi,
                              g->lv[d].shift};
        hi = g->lv[d].shift - 1u;
    }
    f[n] = (struct field){"offset", false, hi, 0};
    return n + 1;
}

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
    uint64_t w = hi - lo + 1 >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (hi - lo + 1)) - 1;
    return (v >> lo) & w;
}

static void explain_split(const struct quiz *q, struct sb *s, uint64_t va)
{
    struct field f[PAGING_MAX_LEVELS + 1];
    unsigned n = fields_of(q, f);
    sb_printf(s, "    0x%0*" PRIx64 " =", va_digits(q), va);
    unsigned vb = paging_va_bits(q->g); /* the sign extension is bits 63:vb */
    int sd = (int)(64 - vb) / 4;
    if (q->g->canonical)
        sb_printf(s, " 0x%0*" PRIx64 " |", sd, bits(va, 63, vb));
    for (unsigned i = 0; i < n; i++) {
        sb_printf(s, i == 0 ? " " : " | ");
        binary(s, va, f[i].hi, f[i].lo);
    }
    sb_printf(s, " (binary)");
    sb_printf(s, "\n    ");
    if (q->g->canonical)
        sb_printf(s, "bits 63:%u = 0x%0*" PRIx64 " (bit %u = %u), ", vb, sd, bits(va, 63, vb),
                  vb - 1, (unsigned)bits(va, vb - 1, vb - 1));
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = bits(va, f[i].hi, f[i].lo);
        if (i + 1 < n)
            sb_printf(s, "%s%s = bits %u:%u = %" PRIu64 ", ", f[i].name, f[i].index ? " index" : "",
                      f[i].hi, f[i].lo, v);
        else
            sb_printf(s, "%s%s = bits %u:%u = 0x%03" PRIx64 "\n", f[i].name,
                      f[i].index ? " index" : "", f[i].hi, f[i].lo, v);
    }
}

/* Bits hi:lo of the linear address the entry of level lvl is indexed by. */
static void index_bits(const struct quiz *q, enum walk_level lvl, unsigned *hi, unsigned *lo)
{
    const struct paging_level *l = &q->g->lv[depth_of(q, lvl)];
    *lo = l->shift;
    *hi = *lo + l->bits - 1u;
}

static const char *level_name(enum walk_level lvl)
{
    return mmu_level_name(lvl);
}

/* The rights combined over the levels (explain.h) and what they allow. */
static void explain_rights(const struct quiz *q, struct sb *s, const struct quiz_question *qq,
                           const struct explain *e)
{
    const struct cpu *c = machine_cpu(q->m);
    unsigned rw = e->rw, us = e->us, xd = q->nxe ? e->xd : 0; /* XD counts only with NXE=1 */
    static const char *const what[] = {"R/W", "U/S", "XD"};
    const unsigned bits[] = {e->rw_bits, e->us_bits, e->xd_bits};
    sb_printf(s, "    rights over the levels:");
    for (unsigned k = 0; k < (q->nxe ? 3u : 2u); k++) {
        sb_printf(s, "%s %s =", k ? "," : "", what[k]);
        for (unsigned i = e->first; i < e->nsteps; i++)
            sb_printf(s, "%s%u", i == e->first ? " " : k == 2 ? "|" : "&", (bits[k] >> i) & 1);
        sb_printf(s, " = %u", k == 0 ? rw : k == 1 ? us : xd);
    }
    sb_printf(s, "\n    ");
    bool wp = (c->cr0 & X86_CR0_WP) != 0;
    if (qq->user && !us) {
        sb_printf(s, "a user access needs U/S=1 at every level: user access to a supervisor page"
                     " -> page fault\n");
    } else if (qq->access == MMU_WRITE && !rw && (qq->user || wp)) {
        sb_printf(s,
                  "a write needs R/W=1 at every level%s: write to a read-only page -> page"
                  " fault\n",
                  qq->user ? "" : " (CR0.WP=1)");
    } else if (qq->access == MMU_EXEC && xd) {
        sb_printf(s, "XD=1 with EFER.NXE=1: instruction fetch from an execute-disabled page -> "
                     "page fault\n");
    } else {
        sb_printf(s, "a %s %s is allowed", who(qq->user),
                  qq->access == MMU_EXEC ? "instruction fetch" : mmu_access_name(qq->access));
        if (qq->access == MMU_WRITE && !rw)
            sb_printf(s, " (CR0.WP=0: supervisor writes ignore R/W)");
        else if (qq->access == MMU_EXEC && !q->nxe)
            sb_printf(s, " (%s)",
                      q->wide ? "EFER.NXE=0: XD is not honoured"
                              : "32-bit paging has no execute-disable bit");
        sb_printf(s, "\n");
    }
}

size_t quiz_explain(const struct quiz *q, unsigned i, char *buf, size_t len)
{
    struct sb s = sb_make(buf, len);
    const struct quiz_question *qq = quiz_question(q, i);
    if (qq == NULL)
        return 0;
    const struct mmu_result *r = &qq->answer;
    const struct cpu *c = machine_cpu(q->m);
    int vd = va_digits(q);
    int ed = q->wide ? 16 : 8;
    struct explain e;
    explain_translation(q->cfg.paging, c->maxphyaddr, qq->ok, r, &e);

    if (r->fault.vector == X86_VEC_GP) {
        unsigned hb = paging_va_bits(q->g) - 1;
        sb_printf(&s,
                  "    %s paging translates %u-bit addresses: bits 63:%u must all equal"
                  " bit %u (canonical)\n"
                  "    0x%0*" PRIx64 ": bits 63:%u = ",
                  q->g->name, hb + 1, hb, hb, vd, qq->va, hb);
        binary(&s, qq->va, 63, hb);
        sb_printf(&s, ": not all equal -> #GP(0) before any walk; no error code, CR2 unchanged\n");
        return s.pos;
    }

    explain_split(q, &s, qq->va);
    for (unsigned k = 0; k < r->nsteps; k++) {
        const struct walk_step *st = &r->steps[k];
        enum walk_level lvl = (enum walk_level)st->level;
        unsigned hi, lo;
        index_bits(q, lvl, &hi, &lo);
        if (k == 0) {
            sb_printf(&s, "    CR3 = 0x%08" PRIx64 " -> %s at 0x%08" PRIx64, c->cr3,
                      mmu_table_name(lvl), st->table);
            if (pae_pdpte(q, lvl))
                sb_printf(&s, " (its 4 entries were loaded into the PDPTE registers at the"
                              " CR3 load)");
            sb_printf(&s, "\n");
        }
        char fl[96];
        quiz_entry_flags(q, lvl, st->entry, fl, sizeof fl);
        sb_printf(&s,
                  "    %s index = bits %u:%u = %u; entry at 0x%08" PRIx64 " + %u*%u = 0x%08" PRIx64
                  " holds 0x%0*" PRIx64 " (%s)",
                  level_name(lvl), hi, lo, st->index, st->table, st->index, q->wide ? 8u : 4u,
                  st->entry_addr, ed, st->entry, fl);
        bool last = k + 1 == r->nsteps;
        if (!(st->entry & X86_PTE_P)) {
            sb_printf(&s, " -> not present: page fault\n");
            break;
        }
        if (last && !qq->ok && r->fault.reason == FAULT_RESERVED_BIT) {
            sb_printf(&s, ": a reserved bit is set -> page fault (RSVD)\n");
            break;
        }
        if (!last) {
            const struct walk_step *nx = &r->steps[k + 1];
            sb_printf(&s, " -> %s at 0x%08" PRIx64 "\n", mmu_table_name((enum walk_level)nx->level),
                      nx->table);
            continue;
        }
        /* The leaf: a 4 KiB frame or a large page. */
        uint64_t size = r->page_size != 0 ? r->page_size : X86_PAGE_SIZE;
        uint64_t base = paging_entry_addr(q->g, k, st->entry, c->maxphyaddr);
        if (k + 1u == q->g->nlevels) {
            sb_printf(&s, " -> frame 0x%08" PRIx64 "\n", base);
        } else if (q->g->entry_bytes == 4) {
            uint64_t hi_pa = base >> 32; /* PSE-36: PA 39:32 */
            sb_printf(&s,
                      "\n    PS=1 -> a 4 MiB page at 0x%08" PRIx64
                      " (PA 31:22 from entry bits 31:22,"
                      " PA 39:32 = 0x%02" PRIx64 " from entry bits 20:13, PSE-36)\n",
                      base, hi_pa);
        } else {
            sb_printf(&s, "\n    PS=1 -> a %s page at 0x%08" PRIx64 "\n", page_size_name(size),
                      base);
        }
        explain_rights(q, &s, qq, &e);
        if (qq->ok)
            sb_printf(&s,
                      "    %s 0x%08" PRIx64 " + offset 0x%0*" PRIx64 " (bits %u:0) = 0x%08" PRIx64
                      "\n",
                      lvl == LVL_PTE ? "frame" : "page", e.page_base, (int)((e.offset_hi + 4) / 4),
                      e.offset, e.offset_hi, r->pa);
    }
    if (!qq->ok)
        sb_printf(&s, "    -> #PF, error code 0x%" PRIx32 ", CR2 = 0x%0*" PRIx64 "\n",
                  r->fault.error_code, vd, r->fault.addr);
    return s.pos;
}
