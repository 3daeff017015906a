/*
 * timeline.c - replay with a cursor that moves both ways (see timeline.h).
 *
 * Checkpoints are epochs of the tracked-memory journal (sim/tmem.h). Epoch e
 * starts at operation ep[e].pos with the machine's and the replay's scalars
 * saved; while it is the newest (open) epoch, the first write to each 4 KiB
 * chunk of any tracked array hands the chunk's old contents to journal_save,
 * which appends them to the epoch's arena (a chunk that was all zeros is
 * recorded without data). Going back to operation k restores the newest
 * epoch whose start is at or before k: every epoch from the newest down to
 * it is undone (its chunks written back), its scalars are loaded, the later
 * epochs are dropped, and the operations up to k run again.
 *
 * Memory: when the saved chunks pass the budget, adjacent closed epochs of
 * the older part are merged pairwise (a chunk saved by both keeps the older
 * copy), halving the checkpoint density there while the recent ones stay.
 */
#include "replay/timeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/options.h"
#include "sim/paging.h"
#include "sim/tmem.h"
#include "sim/tlb.h"

#define MAX_MEMS       32
#define DEFAULT_EVERY  1024
#define DEFAULT_BUDGET (UINT64_C(128) << 20)
#define KEEP_RECENT    8          /* newest epochs never merged */
#define REC_ZERO       UINT32_MAX /* undo record without data: the chunk was all zeros */
#define RECORD_TAIL    64         /* a long move records events only for its last ops */

struct undo_rec {
    uint64_t chunk;
    uint64_t off;  /* offset of the data in the epoch's arena */
    uint32_t len;  /* bytes of the chunk */
    uint32_t zero; /* REC_ZERO: restore zeros, no data stored */
    uint32_t mem;  /* index into tl->mems */
};

struct replay_scalars {
    uint64_t counts[OP_KIND_COUNT];
    uint32_t caption; /* text handle of the latest caption, or TRACE_NO_TEXT */
};

struct epoch {
    uint64_t pos;
    unsigned char *scalars; /* machine scalars, then struct replay_scalars */
    struct undo_rec *recs;
    size_t nrecs, caprecs;
    uint8_t *arena;
    size_t alen, acap;
};

struct timeline {
    const struct trace *t;
    struct replay_options opts; /* the command line's (for boot errors) */
    /* Streaming (timeline_create_reader): t->ops[0..nops) is the batch
     * being run, op base + i + 1 being t->ops[i]. Otherwise base is 0 and
     * t->ops is the whole trace. */
    struct trace_reader *reader;
    uint64_t base;
    bool read_end;    /* the reader has no more operations */
    bool read_failed; /* ... because of an error, in read_err */
    struct trace_error read_err;
    struct machine_config cfg;
    struct machine_range *ranges;
    struct machine *m;
    struct event_sink sink;

    unsigned flags;
    timeline_log_fn log;
    void *log_ctx;
    uint64_t every;
    uint64_t budget;

    uint64_t pos;
    struct replay_scalars rs;

    /* Event capture. */
    bool record;  /* last-op events and history */
    bool logging; /* forward to the log callback */
    uint64_t cur_op;
    uint32_t cur_line;
    struct event *ev;
    size_t nev, capev;
    struct event *boot;
    size_t nboot;
    struct timeline_logged *hist;
    size_t hstart, hcount;

    /* Checkpoints. */
    bool ckpt;
    struct tmem *mems[MAX_MEMS];
    size_t nmems;
    struct epoch *ep;
    size_t nep, capep;
    size_t mscal; /* machine_scalars_size */
    uint64_t ckpt_bytes;
    bool oom;
};

/* ---- events ---- */

static void push_event(struct timeline *tl, const struct event *ev)
{
    if (tl->nev == tl->capev) {
        if (tl->capev >= TIMELINE_MAX_OP_EVENTS)
            goto history;
        size_t cap = tl->capev ? tl->capev * 2 : 64;
        struct event *n = realloc(tl->ev, cap * sizeof *n);
        if (n == NULL)
            goto history;
        tl->ev = n;
        tl->capev = cap;
    }
    tl->ev[tl->nev++] = *ev;
history:
    if (tl->hist != NULL) {
        size_t at = (tl->hstart + tl->hcount) % TIMELINE_HISTORY;
        tl->hist[at].op = tl->cur_op;
        tl->hist[at].ev = *ev;
        if (tl->hcount < TIMELINE_HISTORY)
            tl->hcount++;
        else
            tl->hstart = (tl->hstart + 1) % TIMELINE_HISTORY;
    }
}

static void on_event(void *ctx, const struct event *ev)
{
    struct timeline *tl = ctx;
    if (tl->record)
        push_event(tl, ev);
    if (tl->logging)
        tl->log(tl->log_ctx, tl->cur_op, tl->cur_line, ev);
}

/* Sets what the sink does; detaches it from the machine when nobody listens,
 * so headless replay pays nothing for events. */
static void set_capture(struct timeline *tl, bool record, bool logging)
{
    bool was = tl->record || tl->logging;
    tl->record = record && !(tl->flags & TIMELINE_NO_EVENTS);
    tl->logging = logging && tl->log != NULL;
    bool now = tl->record || tl->logging;
    if (was != now)
        machine_set_sink(tl->m, now ? &tl->sink : NULL);
}

/* Drops history entries of operations after op. */
static void history_truncate(struct timeline *tl, uint64_t op)
{
    while (tl->hcount > 0) {
        size_t last = (tl->hstart + tl->hcount - 1) % TIMELINE_HISTORY;
        if (tl->hist[last].op <= op)
            break;
        tl->hcount--;
    }
}

/* ---- checkpoints ---- */

static size_t scalars_size(const struct timeline *tl)
{
    return tl->mscal + sizeof(struct replay_scalars);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    static const uint8_t zeros[TMEM_CHUNK_SIZE];
    return n <= sizeof zeros && memcmp(p, zeros, n) == 0;
}

static void ckpt_disable(struct timeline *tl)
{
    for (size_t i = 0; i < tl->nmems; i++)
        tmem_set_journal(tl->mems[i], NULL);
    for (size_t e = 0; e < tl->nep; e++) {
        free(tl->ep[e].scalars);
        free(tl->ep[e].recs);
        free(tl->ep[e].arena);
    }
    tl->nep = 0;
    tl->ckpt_bytes = 0;
    tl->ckpt = false;
}

/* Appends one undo record (and its data unless zero) to epoch e. */
static bool epoch_add(struct timeline *tl, struct epoch *e, uint32_t mem, uint64_t chunk,
                      const uint8_t *data, size_t len, bool zero)
{
    if (e->nrecs == e->caprecs) {
        size_t cap = e->caprecs ? e->caprecs * 2 : 64;
        struct undo_rec *n = realloc(e->recs, cap * sizeof *n);
        if (n == NULL)
            return false;
        tl->ckpt_bytes += (cap - e->caprecs) * sizeof *n;
        e->recs = n;
        e->caprecs = cap;
    }
    struct undo_rec *r = &e->recs[e->nrecs];
    r->chunk = chunk;
    r->len = (uint32_t)len;
    r->mem = mem;
    r->zero = zero ? REC_ZERO : 0;
    r->off = e->alen;
    if (!zero) {
        if (e->alen + len > e->acap) {
            size_t cap = e->acap ? e->acap * 2 : 16 * TMEM_CHUNK_SIZE;
            while (cap < e->alen + len)
                cap *= 2;
            uint8_t *n = realloc(e->arena, cap);
            if (n == NULL)
                return false;
            tl->ckpt_bytes += cap - e->acap;
            e->arena = n;
            e->acap = cap;
        }
        memcpy(e->arena + e->alen, data, len);
        e->alen += len;
    }
    e->nrecs++;
    return true;
}

static void journal_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    struct timeline *tl = ctx;
    if (!tl->ckpt || tl->nep == 0)
        return;
    uint32_t mem = 0;
    while (mem < tl->nmems && tl->mems[mem] != m)
        mem++;
    if (mem == tl->nmems)
        return;
    if (!epoch_add(tl, &tl->ep[tl->nep - 1], mem, chunk, old, len, all_zero(old, len)))
        tl->oom = true; /* checkpoints are dropped after this operation */
}

static void save_scalars(const struct timeline *tl, unsigned char *dst)
{
    machine_scalars_save(tl->m, dst);
    memcpy(dst + tl->mscal, &tl->rs, sizeof tl->rs);
}

static void load_scalars(struct timeline *tl, const unsigned char *src)
{
    machine_scalars_load(tl->m, src);
    memcpy(&tl->rs, src + tl->mscal, sizeof tl->rs);
}

/* Opens a new epoch at the cursor. */
static bool epoch_open(struct timeline *tl)
{
    if (tl->nep == tl->capep) {
        size_t cap = tl->capep ? tl->capep * 2 : 64;
        struct epoch *n = realloc(tl->ep, cap * sizeof *n);
        if (n == NULL)
            return false;
        tl->ep = n;
        tl->capep = cap;
    }
    struct epoch *e = &tl->ep[tl->nep];
    memset(e, 0, sizeof *e);
    e->pos = tl->pos;
    e->scalars = malloc(scalars_size(tl));
    if (e->scalars == NULL)
        return false;
    save_scalars(tl, e->scalars);
    tl->ckpt_bytes += scalars_size(tl);
    tl->nep++;
    for (size_t i = 0; i < tl->nmems; i++)
        tmem_epoch(tl->mems[i]);
    return true;
}

static void epoch_free(struct timeline *tl, struct epoch *e)
{
    tl->ckpt_bytes -= e->acap + e->caprecs * sizeof *e->recs + scalars_size(tl);
    free(e->scalars);
    free(e->recs);
    free(e->arena);
}

/* A small open-addressing set of (mem, chunk) keys. */
struct keyset {
    uint64_t *keys; /* key + 1; 0 is empty */
    size_t mask;
};

static uint64_t rec_key(const struct undo_rec *r)
{
    return (r->chunk << 6 | r->mem) + 1;
}

static bool keyset_init(struct keyset *s, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    s->keys = calloc(cap, sizeof *s->keys);
    s->mask = cap - 1;
    return s->keys != NULL;
}

/* Inserts k; returns false when it was there already. */
static bool keyset_add(struct keyset *s, uint64_t k)
{
    size_t h = (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & s->mask;
    while (s->keys[h] != 0) {
        if (s->keys[h] == k)
            return false;
        h = (h + 1) & s->mask;
    }
    s->keys[h] = k;
    return true;
}

/* Merges closed epoch b = a + 1 into a: a then spans both. */
static bool epoch_merge(struct timeline *tl, size_t ai)
{
    struct epoch *a = &tl->ep[ai], *b = &tl->ep[ai + 1];
    struct keyset s;
    if (!keyset_init(&s, a->nrecs + b->nrecs))
        return false;
    for (size_t i = 0; i < a->nrecs; i++)
        keyset_add(&s, rec_key(&a->recs[i]));
    bool ok = true;
    for (size_t i = 0; i < b->nrecs && ok; i++) {
        const struct undo_rec *r = &b->recs[i];
        if (keyset_add(&s, rec_key(r))) {
            ok = epoch_add(tl, a, r->mem, r->chunk, b->arena + r->off, r->len, r->zero == REC_ZERO);
        }
    }
    free(s.keys);
    if (!ok)
        return false;
    epoch_free(tl, b);
    memmove(b, b + 1, (tl->nep - ai - 2) * sizeof *b);
    tl->nep--;
    return true;
}

/* Keeps the saved chunks under the budget by thinning old checkpoints: one
 * merge at a time, of the adjacent pair whose combined span is smallest
 * relative to its distance from the cursor. Spacing so grows with age
 * (roughly exponentially), recent checkpoints stay dense, and old merged
 * epochs converge on the set of chunks the program touches, so memory stays
 * bounded. Each merge costs O(records of the pair). */
static void ckpt_thin(struct timeline *tl)
{
    for (int guard = 0; guard < 256 && tl->ckpt_bytes > tl->budget; guard++) {
        if (tl->nep < KEEP_RECENT + 2)
            break;
        size_t limit = tl->nep - KEEP_RECENT; /* pairs (i, i+1) with i + 1 < limit */
        size_t best = 0;
        double best_score = 0;
        for (size_t i = 0; i + 1 < limit; i++) {
            double span = (double)(tl->ep[i + 2].pos - tl->ep[i].pos);
            double age = (double)(tl->pos - tl->ep[i].pos) + 1.0;
            double score = span / age;
            if (i == 0 || score < best_score) {
                best = i;
                best_score = score;
            }
        }
        if (!epoch_merge(tl, best)) {
            tl->oom = true;
            return;
        }
    }
}

/* Undoes every epoch down to index e, loads its scalars, drops the later
 * ones and reopens e at its position. */
static void ckpt_restore(struct timeline *tl, size_t e)
{
    static const uint8_t zeros[TMEM_CHUNK_SIZE];
    for (size_t j = tl->nep; j-- > e;) {
        struct epoch *ep = &tl->ep[j];
        for (size_t r = ep->nrecs; r-- > 0;) {
            const struct undo_rec *u = &ep->recs[r];
            const uint8_t *data = u->zero == REC_ZERO ? zeros : ep->arena + u->off;
            tmem_restore_chunk(tl->mems[u->mem], u->chunk, data, u->len);
        }
    }
    load_scalars(tl, tl->ep[e].scalars);
    for (size_t j = e + 1; j < tl->nep; j++)
        epoch_free(tl, &tl->ep[j]);
    tl->nep = e + 1;
    tl->ep[e].nrecs = 0;
    tl->ep[e].alen = 0;
    tl->pos = tl->ep[e].pos;
    for (size_t i = 0; i < tl->nmems; i++)
        tmem_epoch(tl->mems[i]);
}

static bool ckpt_enable(struct timeline *tl)
{
    tl->nmems = machine_tmems(tl->m, tl->mems, MAX_MEMS);
    if (tl->nmems > MAX_MEMS)
        return false;
    tl->mscal = machine_scalars_size(tl->m);
    tl->ckpt = true;
    if (!epoch_open(tl)) {
        ckpt_disable(tl);
        return false;
    }
    struct tmem_journal j = {journal_save, tl};
    for (size_t i = 0; i < tl->nmems; i++)
        tmem_set_journal(tl->mems[i], &j);
    return true;
}

/* ---- configuration and boot ---- */

static void set_error(struct trace_error *err, unsigned line, unsigned col, const char *token,
                      const char *msg)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof *err);
    err->line = line;
    err->col = col;
    size_t n = strlen(token), m = strlen(msg);
    n = n < sizeof err->token ? n : sizeof err->token - 1;
    m = m < sizeof err->msg ? m : sizeof err->msg - 1;
    memcpy(err->token, token, n);
    memcpy(err->msg, msg, m);
}

static void fmt_size(uint64_t v, char *buf, size_t len)
{
    if (v != 0 && v % (UINT64_C(1) << 30) == 0)
        snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
    else if (v != 0 && v % (UINT64_C(1) << 20) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
    else if (v != 0 && v % 1024 == 0)
        snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
}

static bool build_config(struct timeline *tl, const struct replay_options *o,
                         struct trace_error *err)
{
    const struct trace *t = tl->t;
    struct machine_config *c = &tl->cfg;
    machine_config_default(c);
    char msg[160], tok[32];

    if (t->cfg.has_ram)
        c->ram_bytes = t->cfg.ram;
    if (t->cfg.has_paging)
        c->paging = t->cfg.paging;
    if (t->cfg.has_tlb) {
        c->tlb_entries = t->cfg.tlb_entries;
        c->tlb_ways = t->cfg.tlb_ways;
    }
    if (o != NULL && o->has_ram)
        c->ram_bytes = o->ram;
    if (o != NULL && o->has_paging)
        c->paging = o->paging;
    if (o != NULL && o->has_tlb) {
        c->tlb_entries = o->tlb_entries;
        c->tlb_ways = o->tlb_ways;
    }
    if (!replay_check_ram(c->ram_bytes, msg, sizeof msg)) {
        fmt_size(c->ram_bytes, tok, sizeof tok);
        set_error(err, 1, 1, tok, msg);
        return false;
    }
    if (!replay_check_tlb(c->tlb_entries, c->tlb_ways, msg, sizeof msg)) {
        snprintf(tok, sizeof tok, "%u", c->tlb_entries);
        set_error(err, 1, 1, tok, msg);
        return false;
    }
    size_t n = t->cfg.nreserve + t->cfg.nidentity;
    tl->ranges = calloc(n ? n : 1, sizeof *tl->ranges);
    if (tl->ranges == NULL) {
        set_error(err, 0, 0, "", "out of memory");
        return false;
    }
    for (size_t i = 0; i < t->cfg.nreserve; i++) {
        const struct trace_range *r = &t->cfg.reserve[i];
        tl->ranges[i].start = r->start;
        tl->ranges[i].len = r->len;
        tl->ranges[i].label = r->label == TRACE_NO_TEXT ? NULL : trace_text(t, r->label);
    }
    for (size_t i = 0; i < t->cfg.nidentity; i++) {
        const struct trace_range *r = &t->cfg.identity[i];
        struct machine_range *d = &tl->ranges[t->cfg.nreserve + i];
        d->start = r->start;
        d->len = r->len;
        d->label = r->label == TRACE_NO_TEXT ? NULL : trace_text(t, r->label);
    }
    c->reserve = tl->ranges;
    c->nreserve = t->cfg.nreserve;
    c->identity = tl->ranges + t->cfg.nreserve;
    c->nidentity = t->cfg.nidentity;
    c->nids = t->nids;
    return true;
}

/* The option whose value, given on the command line, made the machine
 * refuse to boot for reason why, or NULL when the trace is to blame: an
 * option is to blame when going back to the trace's own value for it (alone)
 * boots or fails otherwise; failing that, the first option that takes part
 * in the reason. */
static const char *blame_option(const struct timeline *tl, const struct machine_failure *f)
{
    const struct replay_options *o = &tl->opts;
    const struct trace_config *tc = &tl->t->cfg;
    bool ram = false, paging = false, tlb = false;
    switch (f->why) {
    case MACHINE_WHY_RAM_SIZE:
    case MACHINE_WHY_RAM_WIDTH:
    case MACHINE_WHY_RAM_SMALL:
        ram = true;
        break;
    case MACHINE_WHY_RAM_32BIT:
    case MACHINE_WHY_NO_FRAMES:
        ram = paging = true;
        break;
    case MACHINE_WHY_IDENTITY_RANGE:
        paging = true;
        break;
    case MACHINE_WHY_TLB:
        tlb = true;
        break;
    case MACHINE_WHY_NONE:
    case MACHINE_WHY_RESERVE_KERNEL:
    case MACHINE_WHY_OTHER:
        break;
    }
    ram = ram && o->has_ram;
    paging = paging && o->has_paging;
    tlb = tlb && o->has_tlb;
    const char *names[3] = {"--ram", "--paging", "--tlb"};
    bool given[3] = {ram, paging, tlb};
    for (int k = 0; k < 3; k++) {
        if (!given[k])
            continue;
        struct machine_config c = tl->cfg;
        struct machine_config d;
        machine_config_default(&d);
        if (k == 0)
            c.ram_bytes = tc->has_ram ? tc->ram : d.ram_bytes;
        else if (k == 1)
            c.paging = tc->has_paging ? tc->paging : d.paging;
        else
            c.tlb_entries = tc->has_tlb ? tc->tlb_entries : d.tlb_entries,
            c.tlb_ways = tc->has_tlb ? tc->tlb_ways : d.tlb_ways;
        struct machine_failure g;
        struct machine *m = machine_create_why(&c, NULL, &g);
        machine_destroy(m);
        if (m != NULL || g.why != f->why || g.range != f->range)
            return names[k];
    }
    for (int k = 0; k < 3; k++) {
        if (given[k])
            return names[k];
    }
    return NULL;
}

static const char *mode_name(enum paging_mode p)
{
    const struct paging_geom *g = paging_geom(p);
    return g != NULL ? g->name : "32-bit";
}

/* Says why the machine refused to boot, blaming the value that caused it:
 * a command-line option (err->option), or the trace line that set it. */
static void explain_boot(const struct timeline *tl, const struct machine_failure *f,
                         struct trace_error *err)
{
    const struct machine_config *c = &tl->cfg;
    const struct trace_config *tc = &tl->t->cfg;
    char ram[32], tok[64], msg[320];
    fmt_size(c->ram_bytes, ram, sizeof ram);
    const struct trace_range *r = NULL;
    bool identity = false;
    if (f->range != SIZE_MAX && f->range < tc->nreserve + tc->nidentity) {
        identity = f->range >= tc->nreserve;
        r = identity ? &tc->identity[f->range - tc->nreserve] : &tc->reserve[f->range];
    }
    /* By default the value that takes part: the ram line, else line 1. */
    unsigned line = tc->ram_line ? tc->ram_line : 1, col = tc->ram_line ? tc->ram_col : 1;
    snprintf(tok, sizeof tok, "%s", ram);
    switch (f->why) {
    case MACHINE_WHY_RAM_SIZE:
        snprintf(msg, sizeof msg, "RAM of %s is not a size the machine can have", ram);
        break;
    case MACHINE_WHY_RAM_WIDTH:
        snprintf(msg, sizeof msg, "RAM of %s is more than MAXPHYADDR %u bits can address", ram,
                 c->maxphyaddr ? c->maxphyaddr : 40u);
        break;
    case MACHINE_WHY_RAM_32BIT:
        snprintf(msg, sizeof msg,
                 "RAM of %s is more than %s paging's 32-bit entries can address (4G); "
                 "use paging pae or long",
                 ram, mode_name(c->paging));
        if (!(tc->has_ram && tc->ram == c->ram_bytes) && tc->paging_line) {
            line = tc->paging_line; /* the ram is the default: the paging line asks too much */
            col = tc->paging_col;
            snprintf(tok, sizeof tok, "%s", trace_paging_name(tc->paging));
        }
        break;
    case MACHINE_WHY_RAM_SMALL: {
        char min[32];
        fmt_size(machine_min_ram(), min, sizeof min);
        snprintf(msg, sizeof msg,
                 "RAM of %s is too small to boot: the first MiB, the kernel image at 1M and its "
                 "first page tables need at least %s",
                 ram, min);
        break;
    }
    case MACHINE_WHY_TLB:
        snprintf(tok, sizeof tok, "%u:%u", c->tlb_entries, c->tlb_ways);
        snprintf(msg, sizeof msg, "the TLB refuses the geometry %s", tok);
        line = tc->tlb_line ? tc->tlb_line : 1;
        col = tc->tlb_line ? tc->tlb_col : 1;
        break;
    case MACHINE_WHY_RESERVE_KERNEL:
    case MACHINE_WHY_IDENTITY_RANGE:
    case MACHINE_WHY_NO_FRAMES:
        if (r == NULL) {
            snprintf(msg, sizeof msg, "RAM of %s leaves no frame for the kernel's page tables",
                     ram);
            break;
        }
        line = r->line;
        col = r->col ? r->col : 1;
        snprintf(tok, sizeof tok, "0x%" PRIx64, r->start);
        if (f->why == MACHINE_WHY_RESERVE_KERNEL) {
            snprintf(msg, sizeof msg,
                     "reserved range [0x%" PRIx64 ", 0x%" PRIx64 ") covers the kernel image at "
                     "[0x%" PRIx64 ", 0x%" PRIx64 "): the machine cannot boot",
                     r->start, r->start + r->len, (uint64_t)MACHINE_KERNEL_PA,
                     (uint64_t)(MACHINE_KERNEL_PA + MACHINE_KERNEL_SIZE));
        } else if (f->why == MACHINE_WHY_NO_FRAMES) {
            snprintf(msg, sizeof msg,
                     "%s range [0x%" PRIx64 ", 0x%" PRIx64 ") takes the free frames: none is "
                     "left for the kernel's page tables in %s of RAM",
                     identity ? "identity" : "reserved", r->start, r->start + r->len, ram);
        } else {
            uint64_t limit = machine_identity_limit(c->paging, c->maxphyaddr);
            const struct paging_geom *pg = paging_geom(c->paging);
            if (pg == NULL)
                pg = paging_geom(PAGING_32);
            bool longm = pg->canonical; /* the lower canonical half is identity-mappable */
            uint64_t linear = UINT64_C(1) << (paging_va_bits(pg) - (longm ? 1 : 0));
            char why[96];
            if (limit < linear && longm)
                snprintf(why, sizeof why, "physical addresses have %u bits (MAXPHYADDR)",
                         c->maxphyaddr ? c->maxphyaddr : 40u);
            else if (limit < linear)
                snprintf(why, sizeof why, "32-bit entries address 4 GiB");
            else
                snprintf(why, sizeof why, "the %s linear address space ends there",
                         longm ? "lower-half (47-bit)" : "4 GiB");
            snprintf(msg, sizeof msg,
                     "identity range [0x%" PRIx64 ", 0x%" PRIx64 ") reaches past 0x%" PRIx64
                     ": in %s paging %s",
                     r->start, r->start + r->len, limit, mode_name(c->paging), why);
        }
        break;
    case MACHINE_WHY_NONE:
    case MACHINE_WHY_OTHER:
    default:
        snprintf(msg, sizeof msg, "configuration rejected by the machine");
        break;
    }
    const char *opt = blame_option(tl, f);
    if (opt == NULL) {
        set_error(err, line, col, tok, msg);
        return;
    }
    /* The option's value, as the machine has it. */
    if (strcmp(opt, "--ram") == 0)
        snprintf(tok, sizeof tok, "%s", ram);
    else if (strcmp(opt, "--paging") == 0)
        snprintf(tok, sizeof tok, "%s", trace_paging_name(c->paging));
    else
        snprintf(tok, sizeof tok, "%u:%u", c->tlb_entries, c->tlb_ways);
    set_error(err, 0, 0, tok, msg);
    if (err != NULL)
        snprintf(err->option, sizeof err->option, "%s", opt);
}

static bool boot(struct timeline *tl, const struct event_sink *sink, struct trace_error *err)
{
    struct machine_failure f;
    tl->m = machine_create_why(&tl->cfg, sink, &f);
    if (tl->m != NULL)
        return true;
    if (f.status == MACHINE_ERR_NO_MEMORY)
        set_error(err, 0, 0, "", "out of memory");
    else
        explain_boot(tl, &f, err);
    return false;
}

static struct timeline *create(const struct trace *t, struct trace_reader *r,
                               const struct replay_options *o, const struct timeline_params *p,
                               struct trace_error *err)
{
    struct timeline *tl = calloc(1, sizeof *tl);
    if (tl == NULL) {
        set_error(err, 0, 0, "", "out of memory");
        return NULL;
    }
    tl->t = t;
    tl->reader = r;
    tl->rs.caption = TRACE_NO_TEXT;
    if (p != NULL) {
        tl->flags = p->flags;
        tl->log = p->log;
        tl->log_ctx = p->log_ctx;
        tl->every = p->checkpoint_every;
        tl->budget = p->budget_bytes;
    }
    if (tl->every == 0)
        tl->every = DEFAULT_EVERY;
    if (tl->budget == 0)
        tl->budget = DEFAULT_BUDGET;
    tl->sink.emit = on_event;
    tl->sink.ctx = tl;
    if (o != NULL)
        tl->opts = *o;
    if (!build_config(tl, o, err)) {
        timeline_destroy(tl);
        return NULL;
    }
    if (!(tl->flags & TIMELINE_NO_EVENTS)) {
        tl->hist = malloc(TIMELINE_HISTORY * sizeof *tl->hist);
        if (tl->hist == NULL) {
            set_error(err, 0, 0, "", "out of memory");
            timeline_destroy(tl);
            return NULL;
        }
    }
    tl->record = !(tl->flags & TIMELINE_NO_EVENTS);
    tl->logging = tl->log != NULL;
    bool listening = tl->record || tl->logging;
    if (!boot(tl, listening ? &tl->sink : NULL, err)) {
        timeline_destroy(tl);
        return NULL;
    }
    /* Keep the boot's events: they are "op 0"'s. */
    if (tl->nev > 0) {
        tl->boot = malloc(tl->nev * sizeof *tl->boot);
        if (tl->boot != NULL) {
            memcpy(tl->boot, tl->ev, tl->nev * sizeof *tl->boot);
            tl->nboot = tl->nev;
        }
    }
    if (!(tl->flags & TIMELINE_NO_CHECKPOINTS))
        ckpt_enable(tl);
    if (o != NULL && o->has_at)
        timeline_goto(tl, o->at);
    return tl;
}

struct timeline *timeline_create(const struct trace *t, const struct replay_options *o,
                                 const struct timeline_params *p, struct trace_error *err)
{
    return create(t, NULL, o, p, err);
}

struct timeline *timeline_create_reader(struct trace_reader *r, const struct replay_options *o,
                                        const struct timeline_params *p, struct trace_error *err)
{
    /* The first batch completes the configuration (it comes before any
     * operation), and its ids are the machine's first. */
    size_t n;
    if (!trace_reader_next(r, &n, err))
        return NULL;
    struct timeline_params sp;
    memset(&sp, 0, sizeof sp);
    if (p != NULL)
        sp = *p;
    sp.flags |= TIMELINE_NO_CHECKPOINTS;
    struct timeline *tl = create(trace_reader_trace(r), r, o, &sp, err);
    if (tl != NULL && n == 0)
        tl->read_end = true;
    return tl;
}

/* Streaming: forgets the current batch and reads the next one. Returns its
 * size; 0 at the end of the trace or on an error (then read_end is set, and
 * read_failed with read_err for an error). */
static size_t next_batch(struct timeline *tl)
{
    size_t n = 0;
    if (!trace_reader_next(tl->reader, &n, &tl->read_err))
        tl->read_failed = true;
    tl->base = trace_reader_first(tl->reader);
    if (n == 0)
        tl->read_end = true;
    return n;
}

bool timeline_read_all(struct timeline *tl, struct trace_error *err)
{
    if (tl->reader == NULL)
        return true;
    /* Skip what is left of the batch, then read on without running. */
    while (!tl->read_end)
        next_batch(tl);
    if (tl->read_failed) {
        if (err != NULL)
            *err = tl->read_err;
        return false;
    }
    return true;
}

void timeline_destroy(struct timeline *tl)
{
    if (tl == NULL)
        return;
    if (tl->ckpt)
        ckpt_disable(tl);
    free(tl->ep);
    machine_destroy(tl->m);
    free(tl->ranges);
    free(tl->ev);
    free(tl->boot);
    free(tl->hist);
    free(tl);
}

/* ---- moving ---- */

/* Whether op pos+1 exists; when streaming, reads the next batch when the
 * current one is done. */
static bool have_op(struct timeline *tl)
{
    if (tl->pos - tl->base < tl->t->nops)
        return true;
    if (tl->reader == NULL || tl->read_end)
        return false;
    size_t n = next_batch(tl);
    if (n == 0)
        return false;
    if (!machine_reserve_ids(tl->m, tl->t->nids)) {
        set_error(&tl->read_err, 0, 0, "", "out of memory (block ids)");
        tl->read_failed = true;
        tl->read_end = true;
        tl->base += n; /* nothing of this batch runs */
        return false;
    }
    return true;
}

/* Runs op pos+1 on the machine. */
static void exec_op(struct timeline *tl)
{
    uint64_t at = tl->pos - tl->base;
    const struct op *op = &tl->t->ops[at];
#if defined(__GNUC__)
    /* A long run reads the operations once, in order, from an array far
     * larger than the caches: ask for the one 16 ahead. */
    if (at + 16 < tl->t->nops)
        __builtin_prefetch(op + 16);
#endif
    struct machine *m = tl->m;
    tl->cur_op = tl->pos + 1;
    tl->cur_line = op->line;
    tl->nev = 0;
    bool ok;
    switch ((enum op_kind)op->kind) {
    case OP_MALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(m, op->id, op->a); /* "+ (nil)": no block */
            break;
        }
        ok = machine_malloc(m, op->id, op->a);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0)
            machine_access(m, op->id, 0, 1, MMU_WRITE);
        break;
    case OP_CALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(
                m, op->id, op->b != 0 && op->a > UINT64_MAX / op->b ? UINT64_MAX : op->a * op->b);
            break;
        }
        ok = machine_calloc(m, op->id, op->a, op->b);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0 && op->b > 0)
            machine_access(m, op->id, 0, 1, MMU_WRITE);
        break;
    case OP_REALLOC:
        if (op->flags & OP_F_FAILED) {
            machine_failed_alloc(m, op->id, op->a); /* "!": the block asked to grow */
            break;
        }
        if (op->flags & OP_F_NULL)
            ok = machine_malloc(m, op->id2, op->a);
        else
            ok = machine_realloc(m, op->id, op->id2, op->a);
        if (ok && (op->flags & OP_F_TOUCH) && op->a > 0)
            machine_access(m, op->id2, 0, 1, MMU_WRITE);
        break;
    case OP_FREE:
        if (!(op->flags & OP_F_NULL))
            machine_free(m, op->id);
        break;
    case OP_READ:
    case OP_WRITE:
    case OP_EXEC: {
        enum mmu_access acc = op->kind == OP_READ    ? MMU_READ
                              : op->kind == OP_WRITE ? MMU_WRITE
                                                     : MMU_EXEC;
        bool user = (op->flags & OP_F_USER) != 0;
        if (op->flags & OP_F_RAW)
            machine_access_va_priv(m, op->a, op->b, acc, user);
        else
            machine_access_priv(m, op->id, op->a, op->b, acc, user);
        break;
    }
    case OP_PROTECT: {
        bool rw = !(op->flags & OP_F_RO);
        bool inv = !(op->flags & OP_F_NOINVLPG);
        if (op->flags & OP_F_RAW)
            machine_protect_va(m, op->a, op->b, rw, inv);
        else
            machine_protect(m, op->id, rw, inv);
        break;
    }
    case OP_INVLPG:
        if (op->flags & OP_F_RAW)
            machine_invlpg_va(m, op->a);
        else
            machine_invlpg(m, op->id, op->a);
        break;
    case OP_CR3_RELOAD:
        machine_cr3_reload(m);
        break;
    case OP_CR0_WP:
        machine_set_cr0_wp(m, op->a != 0);
        break;
    case OP_CR4_PGE:
        machine_set_cr4_pge(m, op->a != 0);
        break;
    case OP_SAY: {
        tl->rs.caption = op->text;
        if (tl->record || tl->logging) {
            struct event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = EV_CAPTION;
            ev.extra = op->text;
            on_event(tl, &ev);
        }
        break;
    }
    case OP_KIND_COUNT:
    default:
        break;
    }
    if (op->kind < OP_KIND_COUNT)
        tl->rs.counts[op->kind]++;
    tl->pos++;
    if (tl->ckpt) {
        if (tl->oom)
            ckpt_disable(tl);
        else if (tl->pos % tl->every == 0 && tl->ep[tl->nep - 1].pos != tl->pos) {
            if (!epoch_open(tl))
                ckpt_disable(tl);
            else
                ckpt_thin(tl);
        }
    }
}

uint64_t timeline_pos(const struct timeline *tl)
{
    return tl->pos;
}

uint64_t timeline_len(const struct timeline *tl)
{
    return tl->base + tl->t->nops;
}

bool timeline_step(struct timeline *tl)
{
    if (!have_op(tl))
        return false;
    set_capture(tl, true, true);
    exec_op(tl);
    return true;
}

/* Runs forward to k. Events are recorded (last-op events, history) only
 * for the last RECORD_TAIL operations: a long move pays nothing for the
 * events nobody will look at. The log, when logging, sees every operation. */
static void run_until(struct timeline *tl, uint64_t k, bool logging)
{
    while (tl->pos < k && have_op(tl)) {
        set_capture(tl, k - tl->pos <= RECORD_TAIL, logging);
        exec_op(tl);
    }
}

/* Re-boots the machine (no checkpoints): the state of op 0. */
static bool reboot(struct timeline *tl)
{
    set_capture(tl, false, false);
    machine_destroy(tl->m);
    tl->m = NULL;
    struct trace_error err;
    if (!boot(tl, NULL, &err))
        return false;
    tl->pos = 0;
    memset(&tl->rs, 0, sizeof tl->rs);
    tl->rs.caption = TRACE_NO_TEXT;
    return true;
}

/* Moves the cursor back to k < pos, with the events of op k recorded. */
static bool go_back(struct timeline *tl, uint64_t k)
{
    /* To have op k's events, restore strictly before k (unless events are off). */
    uint64_t want = k;
    if (k > 0 && !(tl->flags & TIMELINE_NO_EVENTS))
        want = k - 1;
    set_capture(tl, false, false);
    if (tl->ckpt && tl->nep > 0) {
        size_t e = tl->nep - 1;
        while (e > 0 && tl->ep[e].pos > want)
            e--;
        ckpt_restore(tl, e);
    } else if (!reboot(tl)) {
        return false;
    }
    tl->nev = 0;
    if (tl->hist != NULL)
        history_truncate(tl, tl->pos);
    run_until(tl, k, false);
    /* At k == 0, nev is 0 and timeline_events() serves the boot's events. */
    return true;
}

uint64_t timeline_advance(struct timeline *tl, uint64_t target, uint64_t limit_ops)
{
    uint64_t done = 0;
    while (tl->pos < target && done < limit_ops && have_op(tl)) {
        set_capture(tl, target - tl->pos <= RECORD_TAIL, true);
        exec_op(tl);
        done++;
    }
    return done;
}

bool timeline_back(struct timeline *tl)
{
    if (tl->pos == 0 || tl->reader != NULL)
        return false;
    go_back(tl, tl->pos - 1);
    return true;
}

bool timeline_goto(struct timeline *tl, uint64_t k)
{
    if (tl->reader == NULL && k > tl->t->nops)
        k = tl->t->nops;
    bool had = tl->ckpt;
    if (k < tl->pos) {
        if (tl->reader != NULL)
            return false; /* a stream runs forward only */
        if (!go_back(tl, k))
            return false;
    } else {
        run_until(tl, k, true);
    }
    return !had || tl->ckpt;
}

uint64_t timeline_run(struct timeline *tl, uint64_t limit_ops, unsigned break_mask,
                      enum timeline_stop *why, unsigned *why_mask)
{
    uint64_t done = 0;
    unsigned hit = 0;
    enum timeline_stop stop = TIMELINE_STOP_END;
    bool counters = (break_mask &
                     (TIMELINE_BREAK_FAULT | TIMELINE_BREAK_DIAG | TIMELINE_BREAK_ALLOC_FAIL)) != 0;
    struct machine_stats before;
    memset(&before, 0, sizeof before);
    if (counters)
        before = machine_stats(tl->m);
    for (;;) {
        if (tl->reader == NULL && tl->pos >= tl->t->nops) {
            stop = TIMELINE_STOP_END;
            break;
        }
        if (limit_ops != 0 && done >= limit_ops) {
            stop = TIMELINE_STOP_LIMIT;
            break;
        }
        if (!have_op(tl)) {
            stop = TIMELINE_STOP_END;
            break;
        }
        bool say = tl->t->ops[tl->pos - tl->base].kind == OP_SAY;
        /* With breakpoints any op may be the last: record them all. A
         * stream's length is unknown: it records only at breakpoints. */
        uint64_t left = tl->reader != NULL ? UINT64_MAX : tl->t->nops - tl->pos;
        if (limit_ops != 0 && limit_ops - done < left)
            left = limit_ops - done;
        set_capture(tl, break_mask != 0 || left <= RECORD_TAIL, true);
        exec_op(tl);
        done++;
        if ((break_mask & TIMELINE_BREAK_CAPTION) && say)
            hit |= TIMELINE_BREAK_CAPTION;
        if (counters) {
            struct machine_stats now = machine_stats(tl->m);
            if (now.page_faults + now.gp_faults != before.page_faults + before.gp_faults)
                hit |= break_mask & TIMELINE_BREAK_FAULT;
            if (now.diagnostics != before.diagnostics)
                hit |= break_mask & TIMELINE_BREAK_DIAG;
            if (now.failed_allocs != before.failed_allocs)
                hit |= break_mask & TIMELINE_BREAK_ALLOC_FAIL;
            before = now;
        }
        if (hit != 0) {
            stop = TIMELINE_STOP_BREAK;
            break;
        }
    }
    if (why != NULL)
        *why = stop;
    if (why_mask != NULL)
        *why_mask = hit;
    return done;
}

/* ---- reading ---- */

const struct machine *timeline_machine(const struct timeline *tl)
{
    return tl->m;
}

const struct trace *timeline_trace(const struct timeline *tl)
{
    return tl->t;
}

const struct op *timeline_op(const struct timeline *tl, uint64_t k)
{
    if (k <= tl->base || k - tl->base > tl->t->nops)
        return NULL;
    return &tl->t->ops[k - 1 - tl->base];
}

const struct event *timeline_events(const struct timeline *tl, size_t *n)
{
    if (tl->pos == 0 && tl->nev == 0 && !(tl->flags & TIMELINE_NO_EVENTS)) {
        *n = tl->nboot;
        return tl->boot;
    }
    *n = tl->nev;
    return tl->ev;
}

size_t timeline_history_count(const struct timeline *tl)
{
    return tl->hcount;
}

const struct timeline_logged *timeline_history_at(const struct timeline *tl, size_t i)
{
    if (i >= tl->hcount)
        return NULL;
    return &tl->hist[(tl->hstart + i) % TIMELINE_HISTORY];
}

void timeline_op_counts(const struct timeline *tl, uint64_t counts[OP_KIND_COUNT])
{
    memcpy(counts, tl->rs.counts, sizeof tl->rs.counts);
}

const char *timeline_caption_text(const struct timeline *tl, const struct event *ev)
{
    if (ev->kind != EV_CAPTION || ev->extra > UINT32_MAX)
        return "";
    return trace_text(tl->t, (uint32_t)ev->extra);
}

const char *timeline_caption(const struct timeline *tl)
{
    if (tl->rs.caption == TRACE_NO_TEXT)
        return NULL;
    return trace_text(tl->t, tl->rs.caption);
}

uint64_t timeline_hash(const struct timeline *tl)
{
    uint64_t h = machine_hash(tl->m);
    for (size_t i = 0; i < OP_KIND_COUNT; i++) {
        h ^= tl->rs.counts[i] + UINT64_C(0x9E3779B97F4A7C15) + (h << 6) + (h >> 2);
    }
    return h;
}

void timeline_translate(const struct timeline *tl, uint64_t va, enum mmu_access acc, bool user,
                        struct timeline_probe *out)
{
    memset(out, 0, sizeof *out);
    out->va = va;
    out->access = acc;
    out->user = user;
    out->ok = machine_probe(tl->m, va, acc, user, &out->res);
    const struct tlb_entry *e = tlb_peek(machine_tlb(tl->m), va);
    if (e != NULL && e->valid) {
        out->tlb_has = true;
        out->tlb = *e;
        uint64_t mask = (UINT64_C(1) << e->shift) - 1;
        out->tlb_pa = e->pa | (va & mask);
    }
}

uint64_t timeline_checkpoint_bytes(const struct timeline *tl)
{
    return tl->ckpt_bytes;
}

size_t timeline_checkpoint_count(const struct timeline *tl)
{
    return tl->nep;
}
