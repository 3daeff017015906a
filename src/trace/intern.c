/*
 * intern.c - ids and texts of a trace. Strings (id names, captions, mtrace
 * callers, range labels) go into one text arena addressed by 32-bit
 * handles; native ids are interned by name and callers by text through
 * open-addressing hash tables, mtrace ids by their 64-bit address value
 * through a page-table-shaped map (struct addr_table in parser.h). The
 * tables are the parser's, dropped when the parse ends; the arena and the
 * ids stay with the trace.
 */
#include "trace/parser.h"

#include <stdlib.h>
#include <string.h>

/* ---------- hashing ---------- */

static uint64_t hash_u64(uint64_t x);

static uint32_t hash_bytes(const char *s, size_t n)
{
    /* Eight bytes at a time through splitmix64's mixer, then the tail. */
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return (uint32_t)hash_u64(h ^ w);
}

static uint64_t hash_u64(uint64_t x)
{
    /* splitmix64's finalizer. */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* ---------- text and native names ---------- */

static bool str_table_grow(struct str_table *tb)
{
    if (tb->n + 1 <= tb->cap / 2)
        return true;
    size_t nc = tb->cap ? tb->cap * 2 : 256;
    struct str_slot *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < tb->cap; i++) {
        if (!tb->slot[i].ref)
            continue;
        size_t j = tb->slot[i].hash & (nc - 1);
        while (ns[j].ref)
            j = (j + 1) & (nc - 1);
        ns[j] = tb->slot[i];
    }
    free(tb->slot);
    tb->slot = ns;
    tb->cap = nc;
    return true;
}

static bool new_id(struct parser *p, uint32_t name, uint32_t *id)
{
    struct trace *t = p->t;
    if (t->nids >= UINT32_MAX - 1)
        return parse_fail(p, 0, NULL, 0, "too many distinct ids");
    if (!parse_grow((void **)&t->id_name, &t->id_cap, (size_t)t->nids + 1, sizeof *t->id_name))
        return parse_nomem(p);
    t->id_name[t->nids] = name;
    *id = t->nids++;
    return true;
}

/* The slot of tb that holds s[0..n) (hash h), or the empty slot where it
 * goes. tb's references are ids (ids: their names in the arena through
 * id_name) or text handles, plus 1. */
static inline size_t str_find(const struct parser *p, const struct str_table *tb, bool ids,
                              const char *s, size_t n, uint32_t h)
{
    const struct trace *t = p->t;
    size_t j = h & (tb->cap - 1);
    for (; tb->slot[j].ref; j = (j + 1) & (tb->cap - 1)) {
        if (tb->slot[j].hash != h)
            continue;
        uint32_t cand = tb->slot[j].ref - 1;
        const char *txt = t->arena + (ids ? t->id_name[cand] : cand);
        if (strncmp(txt, s, n) == 0 && txt[n] == '\0')
            break;
    }
    return j;
}

bool intern_name(struct parser *p, const char *s, size_t n, uint32_t *id)
{
    struct str_table *tb = &p->ids;
    if (!str_table_grow(tb))
        return parse_nomem(p);
    uint32_t h = hash_bytes(s, n), handle;
    size_t j = str_find(p, tb, true, s, n, h);
    if (tb->slot[j].ref) {
        *id = tb->slot[j].ref - 1;
        return true;
    }
    if (!parse_arena_add(p, s, n, &handle) || !new_id(p, handle, id))
        return false;
    tb->slot[j].hash = h;
    tb->slot[j].ref = *id + 1;
    tb->n++;
    return true;
}

bool intern_text(struct parser *p, const char *s, size_t n, uint32_t *handle)
{
    struct str_table *tb = &p->texts;
    if (!str_table_grow(tb))
        return parse_nomem(p);
    uint32_t h = hash_bytes(s, n);
    size_t j = str_find(p, tb, false, s, n, h);
    if (tb->slot[j].ref) {
        *handle = tb->slot[j].ref - 1;
        return true;
    }
    if (!parse_arena_add(p, s, n, handle))
        return false;
    tb->slot[j].hash = h;
    tb->slot[j].ref = *handle + 1;
    tb->n++;
    return true;
}

/* ---------- mtrace addresses ---------- */

bool intern_new_addr_id(struct parser *p, uint64_t a, uint32_t *id)
{
    struct trace *t = p->t;
    struct addr_names *an = t->intern;
    if (!an) {
        an = calloc(1, sizeof *an);
        if (!an)
            return parse_nomem(p);
        t->intern = an;
    }
    if (t->nids >= UINT32_MAX - 1)
        return parse_fail(p, 0, NULL, 0, "too many distinct ids");
    if (!parse_grow((void **)&an->addr, &an->cap, (size_t)t->nids + 1, sizeof *an->addr))
        return parse_nomem(p);
    an->addr[t->nids] = a;
    *id = t->nids++;
    return true;
}

/* The plain table stays at most 3/4 full, and the tag spares a look at
 * another key. */
bool intern_plain_addr(struct parser *p, uint64_t a, uint32_t *id)
{
    struct addr_table *tb = &p->addrs;
    if (tb->n + 1 > tb->cap / 4 * 3) {
        size_t nc = tb->cap ? tb->cap * 2 : 1024;
        if (nc > SIZE_MAX / 2 / sizeof *tb->slot)
            return parse_nomem(p);
        struct addr_slot *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return parse_nomem(p);
        const struct addr_names *an = p->t->intern;
        for (size_t i = 0; i < tb->cap; i++) {
            if (!tb->slot[i].ref)
                continue;
            size_t j = (size_t)hash_u64(an->addr[tb->slot[i].ref - 1]) & (nc - 1);
            while (ns[j].ref)
                j = (j + 1) & (nc - 1);
            ns[j] = tb->slot[i];
        }
        free(tb->slot);
        tb->slot = ns;
        tb->cap = nc;
    }
    const struct addr_names *an = p->t->intern;
    uint32_t tag = (uint32_t)(a ^ (a >> 32));
    size_t j = (size_t)hash_u64(a) & (tb->cap - 1);
    while (tb->slot[j].ref) {
        if (tb->slot[j].tag == tag && an->addr[tb->slot[j].ref - 1] == a) {
            *id = tb->slot[j].ref - 1;
            return true;
        }
        j = (j + 1) & (tb->cap - 1);
    }
    if (!intern_new_addr_id(p, a, id))
        return false;
    tb->slot[j].tag = tag;
    tb->slot[j].ref = *id + 1;
    tb->n++;
    return true;
}

/* The leaf of page key (page + 1), NO_LEAF when its addresses go to the
 * plain table: found, or made on first sight (a leaf while the budget
 * allows: 64 leaves plus one per four ids, so leaves never cost more than
 * 256 bytes per id beyond the first 64 KiB). False when memory runs out. */
static bool page_leaf(struct parser *p, uint64_t key, uint32_t *leaf)
{
    struct addr_table *tb = &p->addrs;
    if (tb->pn + 1 > tb->pcap / 2) {
        size_t nc = tb->pcap ? tb->pcap * 2 : 256;
        if (nc > SIZE_MAX / 2 / sizeof *tb->page)
            return parse_nomem(p);
        struct page_slot *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return parse_nomem(p);
        for (size_t i = 0; i < tb->pcap; i++) {
            if (!tb->page[i].key)
                continue;
            size_t j = (size_t)hash_u64(tb->page[i].key) & (nc - 1);
            while (ns[j].key)
                j = (j + 1) & (nc - 1);
            ns[j] = tb->page[i];
        }
        free(tb->page);
        tb->page = ns;
        tb->pcap = nc;
    }
    size_t j = (size_t)hash_u64(key) & (tb->pcap - 1);
    while (tb->page[j].key) {
        if (tb->page[j].key == key) {
            *leaf = tb->page[j].leaf;
            return true;
        }
        j = (j + 1) & (tb->pcap - 1);
    }
    uint32_t l = NO_LEAF;
    if (tb->nleaves < 64 + (size_t)p->t->nids / 4 && tb->nleaves < NO_LEAF) {
        if (!parse_grow((void **)&tb->leaf, &tb->leaf_cap, (tb->nleaves + 1) * LEAF_SLOTS,
                        sizeof *tb->leaf))
            return parse_nomem(p);
        l = (uint32_t)tb->nleaves++;
        memset(tb->leaf + (size_t)l * LEAF_SLOTS, 0, LEAF_SLOTS * sizeof *tb->leaf);
    }
    tb->page[j].key = key;
    tb->page[j].leaf = l;
    tb->pn++;
    *leaf = l;
    return true;
}

bool intern_page_addr(struct parser *p, uint64_t a, uint64_t key, uint32_t *id)
{
    struct addr_table *tb = &p->addrs;
    uint32_t leaf = NO_LEAF;
    if (!page_leaf(p, key, &leaf))
        return false;
    tb->last_key = key;
    tb->last_leaf = leaf;
    if (leaf == NO_LEAF)
        return intern_plain_addr(p, a, id);
    uint32_t *slot = tb->leaf + (size_t)leaf * LEAF_SLOTS + ((a >> 4) & (LEAF_SLOTS - 1));
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

/* ---------- the names of ids, the texts ---------- */

const char *trace_id_name(const struct trace *t, uint32_t id)
{
    if (!t || id >= t->nids)
        return "?";
    struct addr_names *an = t->intern;
    if (an) {
        /* An mtrace id: its name is formatted the first time it is asked for. */
        if (id >= an->name_cap) {
            /* First asked for, or the trace has gained ids since (a reader). */
            char(*nn)[20] = realloc(an->name, an->cap * sizeof *an->name);
            if (!nn)
                return "?";
            memset(nn + an->name_cap, 0, (an->cap - an->name_cap) * sizeof *nn);
            an->name = nn;
            an->name_cap = an->cap;
        }
        if (an->name[id][0] == '\0')
            snprintf(an->name[id], sizeof an->name[id], "0x%llx", (unsigned long long)an->addr[id]);
        return an->name[id];
    }
    if (!t->id_name)
        return "?";
    return trace_text(t, t->id_name[id]);
}

const char *trace_text(const struct trace *t, uint32_t handle)
{
    if (!t || handle == TRACE_NO_TEXT || handle >= t->arena_len || !t->arena)
        return "";
    return t->arena + handle;
}
