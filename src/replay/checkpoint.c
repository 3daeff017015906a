/*
 * checkpoint.c - epochs of the tracked-memory journal (see checkpoint.h).
 *
 * Epoch e starts at position ep[e].pos with the machine's scalars and the
 * caller's extra bytes saved; while it is the newest (open) epoch, the first
 * write to each 4 KiB chunk of any tracked array hands the chunk's old
 * contents to journal_save, which appends them to the epoch's arena (a
 * chunk that was all zeros is recorded without data). Going back restores
 * the newest epoch whose start is at or before the target: every epoch from
 * the newest down to it is undone (its chunks written back), its scalars
 * are loaded and the later epochs are dropped; the caller then runs the
 * operations up to the target again.
 *
 * Memory: when the saved chunks pass the budget, adjacent closed epochs of
 * the older part are merged pairwise (a chunk saved by both keeps the older
 * copy), halving the checkpoint density there while the recent ones stay.
 */
#include "replay/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "sim/tmem.h"

#define MAX_MEMS    32
#define KEEP_RECENT 8          /* newest epochs never merged */
#define REC_ZERO    UINT32_MAX /* undo record without data: the chunk was all zeros */

struct undo_rec {
    uint64_t chunk;
    uint64_t off;  /* offset of the data in the epoch's arena */
    uint32_t len;  /* bytes of the chunk */
    uint32_t zero; /* REC_ZERO: restore zeros, no data stored */
    uint32_t mem;  /* index into cp->mems */
};

struct epoch {
    uint64_t pos;
    unsigned char *scalars; /* machine scalars, then the caller's extra */
    struct undo_rec *recs;
    size_t nrecs, caprecs;
    uint8_t *arena;
    size_t alen, acap;
};

struct checkpoints {
    struct machine *m;
    struct tmem *mems[MAX_MEMS];
    size_t nmems;
    size_t mscal;      /* machine_scalars_size */
    size_t extra_size; /* the caller's bytes saved after the machine's */
    uint64_t every;
    uint64_t budget;
    struct epoch *ep;
    size_t nep, capep;
    uint64_t ckpt_bytes;
    bool oom; /* memory ran out while journaling: restoring would be wrong */
};

static size_t scalars_size(const struct checkpoints *cp)
{
    return cp->mscal + cp->extra_size;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    static const uint8_t zeros[TMEM_CHUNK_SIZE];
    return n <= sizeof zeros && memcmp(p, zeros, n) == 0;
}

/* Appends one undo record (and its data unless zero) to epoch e. */
static bool epoch_add(struct checkpoints *cp, struct epoch *e, uint32_t mem, uint64_t chunk,
                      const uint8_t *data, size_t len, bool zero)
{
    if (e->nrecs == e->caprecs) {
        size_t cap = e->caprecs ? e->caprecs * 2 : 64;
        struct undo_rec *n = realloc(e->recs, cap * sizeof *n);
        if (n == NULL)
            return false;
        cp->ckpt_bytes += (cap - e->caprecs) * sizeof *n;
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
            cp->ckpt_bytes += cap - e->acap;
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
    struct checkpoints *cp = ctx;
    if (cp->nep == 0)
        return;
    uint32_t mem = 0;
    while (mem < cp->nmems && cp->mems[mem] != m)
        mem++;
    if (mem == cp->nmems)
        return;
    if (!epoch_add(cp, &cp->ep[cp->nep - 1], mem, chunk, old, len, all_zero(old, len)))
        cp->oom = true; /* checkpoints are dropped after this operation */
}

/* Opens a new epoch at pos: the machine's scalars and extra saved. */
static bool epoch_open(struct checkpoints *cp, uint64_t pos, const void *extra)
{
    if (cp->nep == cp->capep) {
        size_t cap = cp->capep ? cp->capep * 2 : 64;
        struct epoch *n = realloc(cp->ep, cap * sizeof *n);
        if (n == NULL)
            return false;
        cp->ep = n;
        cp->capep = cap;
    }
    struct epoch *e = &cp->ep[cp->nep];
    memset(e, 0, sizeof *e);
    e->pos = pos;
    e->scalars = malloc(scalars_size(cp));
    if (e->scalars == NULL)
        return false;
    machine_scalars_save(cp->m, e->scalars);
    memcpy(e->scalars + cp->mscal, extra, cp->extra_size);
    cp->ckpt_bytes += scalars_size(cp);
    cp->nep++;
    for (size_t i = 0; i < cp->nmems; i++)
        tmem_epoch(cp->mems[i]);
    return true;
}

static void epoch_free(struct checkpoints *cp, struct epoch *e)
{
    cp->ckpt_bytes -= e->acap + e->caprecs * sizeof *e->recs + scalars_size(cp);
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
static bool epoch_merge(struct checkpoints *cp, size_t ai)
{
    struct epoch *a = &cp->ep[ai], *b = &cp->ep[ai + 1];
    struct keyset s;
    if (!keyset_init(&s, a->nrecs + b->nrecs))
        return false;
    for (size_t i = 0; i < a->nrecs; i++)
        keyset_add(&s, rec_key(&a->recs[i]));
    bool ok = true;
    for (size_t i = 0; i < b->nrecs && ok; i++) {
        const struct undo_rec *r = &b->recs[i];
        if (keyset_add(&s, rec_key(r))) {
            ok = epoch_add(cp, a, r->mem, r->chunk, b->arena + r->off, r->len, r->zero == REC_ZERO);
        }
    }
    free(s.keys);
    if (!ok)
        return false;
    epoch_free(cp, b);
    memmove(b, b + 1, (cp->nep - ai - 2) * sizeof *b);
    cp->nep--;
    return true;
}

/* Keeps the saved chunks under the budget by thinning old checkpoints: one
 * merge at a time, of the adjacent pair whose combined span is smallest
 * relative to its distance from the cursor. Spacing so grows with age
 * (roughly exponentially), recent checkpoints stay dense, and old merged
 * epochs converge on the set of chunks the program touches, so memory stays
 * bounded. Each merge costs O(records of the pair). */
static void thin(struct checkpoints *cp, uint64_t cursor)
{
    for (int guard = 0; guard < 256 && cp->ckpt_bytes > cp->budget; guard++) {
        if (cp->nep < KEEP_RECENT + 2)
            break;
        size_t limit = cp->nep - KEEP_RECENT; /* pairs (i, i+1) with i + 1 < limit */
        size_t best = 0;
        double best_score = 0;
        for (size_t i = 0; i + 1 < limit; i++) {
            double span = (double)(cp->ep[i + 2].pos - cp->ep[i].pos);
            double age = (double)(cursor - cp->ep[i].pos) + 1.0;
            double score = span / age;
            if (i == 0 || score < best_score) {
                best = i;
                best_score = score;
            }
        }
        if (!epoch_merge(cp, best)) {
            cp->oom = true;
            return;
        }
    }
}

uint64_t checkpoints_restore(struct checkpoints *cp, uint64_t want, void *extra)
{
    /* Undo every epoch down to e, load its scalars, drop the later ones and
     * reopen e at its position. */
    size_t e = cp->nep - 1;
    while (e > 0 && cp->ep[e].pos > want)
        e--;
    static const uint8_t zeros[TMEM_CHUNK_SIZE];
    for (size_t j = cp->nep; j-- > e;) {
        struct epoch *ep = &cp->ep[j];
        for (size_t r = ep->nrecs; r-- > 0;) {
            const struct undo_rec *u = &ep->recs[r];
            const uint8_t *data = u->zero == REC_ZERO ? zeros : ep->arena + u->off;
            tmem_restore_chunk(cp->mems[u->mem], u->chunk, data, u->len);
        }
    }
    machine_scalars_load(cp->m, cp->ep[e].scalars);
    memcpy(extra, cp->ep[e].scalars + cp->mscal, cp->extra_size);
    for (size_t j = e + 1; j < cp->nep; j++)
        epoch_free(cp, &cp->ep[j]);
    cp->nep = e + 1;
    cp->ep[e].nrecs = 0;
    cp->ep[e].alen = 0;
    for (size_t i = 0; i < cp->nmems; i++)
        tmem_epoch(cp->mems[i]);
    return cp->ep[e].pos;
}

struct checkpoints *checkpoints_create(struct machine *m, uint64_t pos, const void *extra,
                                       size_t extra_size, uint64_t every, uint64_t budget)
{
    struct checkpoints *cp = calloc(1, sizeof *cp);
    if (cp == NULL)
        return NULL;
    cp->m = m;
    cp->extra_size = extra_size;
    cp->every = every;
    cp->budget = budget;
    cp->nmems = machine_tmems(m, cp->mems, MAX_MEMS);
    cp->mscal = machine_scalars_size(m);
    if (cp->nmems > MAX_MEMS || !epoch_open(cp, pos, extra)) {
        cp->nmems = 0; /* no journal was set */
        checkpoints_destroy(cp);
        return NULL;
    }
    struct tmem_journal j = {journal_save, cp};
    for (size_t i = 0; i < cp->nmems; i++)
        tmem_set_journal(cp->mems[i], &j);
    return cp;
}

void checkpoints_destroy(struct checkpoints *cp)
{
    if (cp == NULL)
        return;
    for (size_t i = 0; i < cp->nmems; i++)
        tmem_set_journal(cp->mems[i], NULL);
    for (size_t e = 0; e < cp->nep; e++) {
        free(cp->ep[e].scalars);
        free(cp->ep[e].recs);
        free(cp->ep[e].arena);
    }
    free(cp->ep);
    free(cp);
}

bool checkpoints_tick(struct checkpoints *cp, uint64_t pos, const void *extra)
{
    if (cp->oom)
        return false;
    if (pos % cp->every != 0 || cp->ep[cp->nep - 1].pos == pos)
        return true;
    if (!epoch_open(cp, pos, extra))
        return false;
    thin(cp, pos); /* may set oom: the next tick says so */
    return true;
}

bool checkpoints_save(struct checkpoints *cp, uint64_t pos, const void *extra)
{
    if (cp->oom)
        return false;
    if (cp->ep[cp->nep - 1].pos == pos)
        return true;
    /* No thinning here: a forced checkpoint holds only the scalars until
     * the machine runs on, and thinning (up to 256 merges when the chunks
     * stay over budget) would make each event step slow; the next regular
     * checkpoint thins. */
    return epoch_open(cp, pos, extra);
}

uint64_t checkpoints_bytes(const struct checkpoints *cp)
{
    return cp->ckpt_bytes;
}

size_t checkpoints_count(const struct checkpoints *cp)
{
    return cp->nep;
}
