/*
 * trace.c - the two trace parsers (CONTRACT 2.1 native, 2.3 glibc mtrace).
 *
 * Input is cut into lines as it streams in: complete lines are parsed in
 * place, and only a line that straddles two read blocks is copied into one
 * reusable, growable line buffer. Every line is checked for NUL bytes and
 * valid UTF-8 first, then handed to the parser of the detected format. The
 * format is decided by the first line that is neither blank nor a comment:
 * "= ...", "@ ..." or an mtrace operation line ("+ ", "- ", "< ", "> ",
 * "! ") mean mtrace, anything else native.
 *
 * Nothing is allocated per line: ops grow geometrically, strings (id names,
 * captions, callers, labels) go into one text arena addressed by 32-bit
 * handles, and ids and callers are interned through open-addressing hash
 * tables (native ids by name, mtrace ids by their 64-bit address value,
 * callers by text), which are dropped once the parse is over.
 *
 * Columns are 1-based byte columns. An error stops the parse at once and
 * fills the caller's struct trace_error; no input makes this code crash.
 */
#include "trace/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The longest line accepted; longer ones are a clean error. */
#define MAX_LINE   (16u << 20)
/* read/write/protect lengths above this are errors: longer than the largest
 * RAM, a copy no simulated machine could hold (and a walk of billions of
 * pages). Sizes and offsets have no limit but 64 bits: docs/trace-format.md,
 * "Bad input or a refused request". */
#define MAX_LEN    TRACE_RAM_MAX
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
    bool ops_begun;          /* native: an operation was seen, no more configuration */
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

struct tok {
    const char *s;
    size_t n;
    unsigned col;
};

/* ---------- errors ---------- */

static void set_token(struct trace_error *err, const char *s, size_t n)
{
    size_t max = sizeof err->token - 1;
    if (n > max) {
        n = max;
        /* Do not cut a UTF-8 sequence in two. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(err->token, s, n);
    err->token[n] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static bool
fail(struct parser *p, unsigned col, const char *tok, size_t tokn, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    struct trace_error *e = p->err;
    e->line = p->lineno;
    e->col = col;
    set_token(e, tok ? tok : "", tok ? tokn : 0);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

/* Quoting a token in a message: at most 60 bytes of it ("%.*s"). */
static int qlen(size_t n)
{
    return n > 60 ? 60 : (int)n;
}

static bool fail_nomem(struct parser *p)
{
    return fail(p, 0, NULL, 0, "out of memory");
}

/* ---------- growable storage ---------- */

static bool grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return false;
        nc *= 2;
    }
    void *np = realloc(*ptr, nc * elem);
    if (!np)
        return false;
    *ptr = np;
    *cap = nc;
    return true;
}

/* Appends s[0..n) and a NUL to the arena; the handle in *h. */
static bool arena_add(struct parser *p, const char *s, size_t n, uint32_t *h)
{
    struct trace *t = p->t;
    if (n >= UINT32_MAX - 1 || t->arena_len > UINT32_MAX - 2 - n)
        return fail(p, 0, NULL, 0, "trace too large: more than 4 GiB of text");
    if (!grow((void **)&t->arena, &t->arena_cap, t->arena_len + n + 1, 1))
        return fail_nomem(p);
    memcpy(t->arena + t->arena_len, s, n);
    t->arena[t->arena_len + n] = '\0';
    *h = (uint32_t)t->arena_len;
    t->arena_len += n + 1;
    return true;
}

static bool push_op(struct parser *p, const struct op *op)
{
    struct trace *t = p->t;
    if (!grow((void **)&t->ops, &p->ops_cap, t->nops + 1, sizeof *op))
        return fail_nomem(p);
    t->ops[t->nops++] = *op;
    return true;
}

static bool push_range(struct parser *p, struct trace_range **arr, size_t *n,
                       const struct trace_range *r)
{
    /* The capacity is implied: 4, then the next power of 2. */
    size_t want = 0;
    if (*n == 0)
        want = 4;
    else if (*n >= 4 && (*n & (*n - 1)) == 0)
        want = *n * 2;
    if (want) {
        void *np = realloc(*arr, want * sizeof **arr);
        if (!np)
            return fail_nomem(p);
        *arr = np;
    }
    (*arr)[(*n)++] = *r;
    return true;
}

/* ---------- hashing and interning ---------- */

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
        return fail(p, 0, NULL, 0, "too many distinct ids");
    if (!grow((void **)&t->id_name, &t->id_cap, (size_t)t->nids + 1, sizeof *t->id_name))
        return fail_nomem(p);
    t->id_name[t->nids] = name;
    *id = t->nids++;
    return true;
}

/* The id of native name s[0..n), created on first sight. */
static bool intern_name(struct parser *p, const char *s, size_t n, uint32_t *id)
{
    struct str_table *tb = &p->ids;
    if (!str_table_grow(tb))
        return fail_nomem(p);
    uint32_t h = hash_bytes(s, n);
    size_t j = h & (tb->cap - 1);
    while (tb->slot[j].ref) {
        if (tb->slot[j].hash == h) {
            uint32_t cand = tb->slot[j].ref - 1;
            const char *name = p->t->arena + p->t->id_name[cand];
            if (strncmp(name, s, n) == 0 && name[n] == '\0') {
                *id = cand;
                return true;
            }
        }
        j = (j + 1) & (tb->cap - 1);
    }
    uint32_t handle;
    if (!arena_add(p, s, n, &handle) || !new_id(p, handle, id))
        return false;
    tb->slot[j].hash = h;
    tb->slot[j].ref = *id + 1;
    tb->n++;
    return true;
}

/* The handle of text s[0..n), stored once however often it repeats. */
static bool intern_text(struct parser *p, const char *s, size_t n, uint32_t *handle)
{
    struct str_table *tb = &p->texts;
    if (!str_table_grow(tb))
        return fail_nomem(p);
    uint32_t h = hash_bytes(s, n);
    size_t j = h & (tb->cap - 1);
    while (tb->slot[j].ref) {
        if (tb->slot[j].hash == h) {
            const char *txt = p->t->arena + (tb->slot[j].ref - 1);
            if (strncmp(txt, s, n) == 0 && txt[n] == '\0') {
                *handle = tb->slot[j].ref - 1;
                return true;
            }
        }
        j = (j + 1) & (tb->cap - 1);
    }
    if (!arena_add(p, s, n, handle))
        return false;
    tb->slot[j].hash = h;
    tb->slot[j].ref = *handle + 1;
    tb->n++;
    return true;
}

/* Records address a as the next id (*id); the names come later, on demand. */
static bool new_addr_id(struct parser *p, uint64_t a, uint32_t *id)
{
    struct trace *t = p->t;
    struct addr_names *an = t->intern;
    if (!an) {
        an = calloc(1, sizeof *an);
        if (!an)
            return fail_nomem(p);
        t->intern = an;
    }
    if (t->nids >= UINT32_MAX - 1)
        return fail(p, 0, NULL, 0, "too many distinct ids");
    if (!grow((void **)&an->addr, &an->cap, (size_t)t->nids + 1, sizeof *an->addr))
        return fail_nomem(p);
    an->addr[t->nids] = a;
    *id = t->nids++;
    return true;
}

/* The id of address a in the plain table, created on first sight. The table
 * stays at most 3/4 full, and the tag spares a look at another key. */
static bool plain_addr(struct parser *p, uint64_t a, uint32_t *id)
{
    struct addr_table *tb = &p->addrs;
    if (tb->n + 1 > tb->cap / 4 * 3) {
        size_t nc = tb->cap ? tb->cap * 2 : 1024;
        if (nc > SIZE_MAX / 2 / sizeof *tb->slot)
            return fail_nomem(p);
        struct addr_slot *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return fail_nomem(p);
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
    if (!new_addr_id(p, a, id))
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
            return fail_nomem(p);
        struct page_slot *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return fail_nomem(p);
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
        if (!grow((void **)&tb->leaf, &tb->leaf_cap, (tb->nleaves + 1) * LEAF_SLOTS,
                  sizeof *tb->leaf))
            return fail_nomem(p);
        l = (uint32_t)tb->nleaves++;
        memset(tb->leaf + (size_t)l * LEAF_SLOTS, 0, LEAF_SLOTS * sizeof *tb->leaf);
    }
    tb->page[j].key = key;
    tb->page[j].leaf = l;
    tb->pn++;
    *leaf = l;
    return true;
}

/* The id of mtrace address a, created on first sight (trace_id_name names
 * it "0x..." in lower-case hex). See struct addr_table. */
static bool intern_addr(struct parser *p, uint64_t a, uint32_t *id)
{
    struct addr_table *tb = &p->addrs;
    if (a & 15)
        return plain_addr(p, a, id);
    uint64_t key = (a >> LEAF_SHIFT) + 1; /* never 0: a >> 12 < 2^52 */
    uint32_t leaf = tb->last_leaf;
    if (key != tb->last_key) {
        if (!page_leaf(p, key, &leaf))
            return false;
        tb->last_key = key;
        tb->last_leaf = leaf;
    }
    if (leaf == NO_LEAF)
        return plain_addr(p, a, id);
    uint32_t *slot = tb->leaf + (size_t)leaf * LEAF_SLOTS + ((a >> 4) & (LEAF_SLOTS - 1));
    if (*slot) {
        *id = *slot - 1;
        return true;
    }
    if (!new_addr_id(p, a, id))
        return false;
    /* new_addr_id does not move the leaves. */
    *slot = *id + 1;
    return true;
}

/* ---------- numbers ---------- */

enum num_status {
    NUM_OK,
    NUM_BAD,
    NUM_RANGE,
};

/* Hex digit values + 1 (0: not a hex digit). */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The value of hex digit c, or -1. */
static int hex_digit(char c)
{
    return (int)hex_plus1[(unsigned char)c] - 1;
}

/* Decimal or 0x hex, with a K/M/G suffix when suffix is true. */
static enum num_status parse_num(const char *s, size_t n, bool suffix, uint64_t *out)
{
    unsigned shift = 0;
    if (suffix && n > 1) {
        switch (s[n - 1]) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            break;
        }
        if (shift)
            n--;
    }
    if (n == 0)
        return NUM_BAD;
    uint64_t v = 0;
    bool over = false;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < n; i++) {
            int d = hex_digit(s[i]);
            if (d < 0)
                return NUM_BAD;
            if (v >> 60)
                over = true;
            v = (v << 4) | (uint64_t)d;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return NUM_BAD;
            uint64_t d = (uint64_t)(s[i] - '0');
            if (v > (UINT64_MAX - d) / 10)
                over = true;
            v = v * 10 + d;
        }
    }
    if (over)
        return NUM_RANGE;
    if (shift && v > (UINT64_MAX >> shift))
        return NUM_RANGE;
    *out = v << shift;
    return NUM_OK;
}

bool trace_number_parse(const char *s, bool allow_suffix, uint64_t *out)
{
    uint64_t v;
    if (!s || parse_num(s, strlen(s), allow_suffix, &v) != NUM_OK)
        return false;
    *out = v;
    return true;
}

bool trace_paging_parse(const char *s, enum paging_mode *out)
{
    return paging_mode_parse(s, out);
}

const char *trace_ram_check(uint64_t bytes)
{
    if (bytes == 0)
        return "RAM size must not be 0";
    if (bytes & 4095)
        return "RAM size must be a multiple of 4 KiB";
    if (bytes > TRACE_RAM_MAX)
        return "RAM size out of range: at most 64 GiB";
    return NULL;
}

const char *trace_tlb_check(uint64_t entries, uint64_t ways)
{
    if (entries == 0)
        return "a TLB needs at least 1 entry";
    if (entries > TRACE_TLB_MAX_ENTRIES)
        return "TLB too large: at most 65536 entries";
    if (ways == 0)
        return "a TLB needs at least 1 way";
    if (ways > entries)
        return "more TLB ways than entries";
    if (entries % ways)
        return "TLB ways must divide the entries";
    uint64_t sets = entries / ways;
    if (sets & (sets - 1))
        return "TLB sets (entries / ways) must be a power of 2";
    return NULL;
}

/* ---------- names ---------- */

const char *trace_op_name(enum op_kind k)
{
    switch (k) {
    case OP_MALLOC:
        return "malloc";
    case OP_CALLOC:
        return "calloc";
    case OP_REALLOC:
        return "realloc";
    case OP_FREE:
        return "free";
    case OP_READ:
        return "read";
    case OP_WRITE:
        return "write";
    case OP_SAY:
        return "say";
    case OP_PROTECT:
        return "protect";
    case OP_INVLPG:
        return "invlpg";
    case OP_CR3_RELOAD:
        return "cr3";
    case OP_CR0_WP:
        return "cr0";
    case OP_CR4_PGE:
        return "cr4";
    case OP_EXEC:
        return "exec";
    case OP_KIND_COUNT:
        break;
    }
    return "?";
}

const char *trace_format_name(enum trace_format f)
{
    switch (f) {
    case TRACE_NATIVE:
        return "native";
    case TRACE_MTRACE:
        return "mtrace";
    }
    return "?";
}

const char *trace_paging_name(enum paging_mode pg)
{
    return pg == PAGING_OFF ? "?" : paging_mode_keyword(pg);
}

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

/* ---------- tokens ---------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The next token of s[0..n) from *pos, stopping at blanks and at a '#'
 * comment when comments is true. False at the end of the line; *pos is then
 * where the line (or its comment) ends. */
static bool next_tok(const char *s, size_t n, size_t *pos, bool comments, struct tok *t)
{
    size_t i = *pos;
    while (i < n && is_blank(s[i]))
        i++;
    *pos = i;
    if (i >= n || (comments && s[i] == '#')) {
        /* An empty token where the line (or its comment) begins. */
        t->s = s + i;
        t->n = 0;
        t->col = (unsigned)(i + 1);
        return false;
    }
    size_t b = i;
    while (i < n && !is_blank(s[i]) && !(comments && s[i] == '#'))
        i++;
    t->s = s + b;
    t->n = i - b;
    t->col = (unsigned)(b + 1);
    *pos = i;
    return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
    size_t n = strlen(word);
    return t->n == n && memcmp(t->s, word, n) == 0;
}

/* ---------- UTF-8 and NUL ---------- */

static bool check_text(struct parser *p, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Eight plain ASCII bytes (no NUL, no high bit) at a time. */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            uint64_t zero = (w - UINT64_C(0x0101010101010101)) & ~w;
            if ((w | zero) & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = u[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        char shown[8];
        if (c == 0)
            return fail(p, (unsigned)(i + 1), "\\0", 2, "NUL byte in the input");
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* no overlong forms */
            if (c == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F; /* nothing above U+10FFFF */
        } else {
            snprintf(shown, sizeof shown, "\\x%02X", c);
            return fail(p, (unsigned)(i + 1), shown, strlen(shown),
                        "invalid UTF-8: byte 0x%02X cannot start a character", c);
        }
        for (size_t k = 1; k <= need; k++) {
            unsigned char d = i + k < n ? u[i + k] : 0;
            unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (i + k >= n || d < l || d > h) {
                snprintf(shown, sizeof shown, "\\x%02X", c);
                return fail(p, (unsigned)(i + 1), shown, strlen(shown),
                            "invalid UTF-8: truncated or malformed sequence");
            }
        }
        i += need + 1;
    }
    return true;
}

/* ---------- escaping for terminals ---------- */

/* The length of the valid UTF-8 character at u[0..n) (2..4), or 0. */
static size_t utf8_len(const unsigned char *u, size_t n)
{
    unsigned char c = u[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (need >= n)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (u[k] < l || u[k] > h)
            return 0;
    }
    return need + 1;
}

size_t trace_escape(char *dst, size_t dstlen, const char *s, size_t n)
{
    if (dstlen == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char piece[16];
        size_t pn = 0, used = 1;
        unsigned char c = u[i];
        size_t ul;
        if (c >= 0x20 && c < 0x7F) {
            piece[pn++] = (char)c;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            piece[pn++] = '\\';
            piece[pn++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        } else if (c >= 0x80 && (ul = utf8_len(u + i, n - i)) != 0) {
            used = ul;
            if (c == 0xC2 && u[i + 1] < 0xA0) /* U+0080..U+009F: C1 controls */
                pn = (size_t)snprintf(piece, sizeof piece, "\\x%02x\\x%02x", c, u[i + 1]);
            else
                memcpy(piece, u + i, (pn = ul));
        } else {
            pn = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
        }
        if (o + pn > dstlen - 1)
            break;
        memcpy(dst + o, piece, pn);
        o += pn;
        i += used;
    }
    dst[o] = '\0';
    return o;
}

/* ---------- the native format ---------- */

enum directive {
    D_RAM,
    D_PAGING,
    D_TLB,
    D_RESERVE,
    D_IDENTITY,
    D_MALLOC,
    D_CALLOC,
    D_REALLOC,
    D_FREE,
    D_READ,
    D_WRITE,
    D_SAY,
    D_PROTECT,
    D_INVLPG,
    D_CR3,
    D_CR0,
    D_CR4,
    D_EXEC,
};

static const struct {
    const char *word;
    enum directive d;
} directives[] = {
    {"ram", D_RAM},           {"paging", D_PAGING}, {"tlb", D_TLB},       {"reserve", D_RESERVE},
    {"identity", D_IDENTITY}, {"malloc", D_MALLOC}, {"calloc", D_CALLOC}, {"realloc", D_REALLOC},
    {"free", D_FREE},         {"read", D_READ},     {"write", D_WRITE},   {"say", D_SAY},
    {"protect", D_PROTECT},   {"invlpg", D_INVLPG}, {"cr3", D_CR3},       {"cr0", D_CR0},
    {"cr4", D_CR4},           {"exec", D_EXEC},
};

/* The line being parsed, for "expected X, got end of line". */
struct line {
    const char *s;
    size_t n;
    size_t pos;
};

/* Takes the next token or fails naming what was expected. */
static bool want(struct parser *p, struct line *ln, struct tok *t, const char *what)
{
    if (next_tok(ln->s, ln->n, &ln->pos, true, t))
        return true;
    return fail(p, (unsigned)(ln->pos + 1), "", 0, "expected %s, got end of line", what);
}

static bool optional(struct line *ln, struct tok *t)
{
    return next_tok(ln->s, ln->n, &ln->pos, true, t);
}

static bool want_end(struct parser *p, struct line *ln)
{
    struct tok t;
    if (!next_tok(ln->s, ln->n, &ln->pos, true, &t))
        return true;
    return fail(p, t.col, t.s, t.n, "unexpected '%.*s', expected end of line", qlen(t.n), t.s);
}

/* A number token; what names it in messages ("a size", "an address"). */
static bool num_tok(struct parser *p, const struct tok *t, const char *what, uint64_t *v)
{
    switch (parse_num(t->s, t->n, true, v)) {
    case NUM_OK:
        return true;
    case NUM_RANGE:
        return fail(p, t->col, t->s, t->n, "number too large: '%.*s' does not fit in 64 bits",
                    qlen(t->n), t->s);
    case NUM_BAD:
        break;
    }
    return fail(p, t->col, t->s, t->n, "expected %s, got '%.*s'", what, qlen(t->n), t->s);
}

static bool want_num(struct parser *p, struct line *ln, const char *what, uint64_t *v,
                     struct tok *t)
{
    return want(p, ln, t, what) && num_tok(p, t, what, v);
}

/* A number that must lie in [lo, hi]. */
static bool want_size(struct parser *p, struct line *ln, const char *what, uint64_t lo, uint64_t hi,
                      uint64_t *v)
{
    struct tok t;
    if (!want_num(p, ln, what, v, &t))
        return false;
    if (*v < lo || *v > hi)
        return fail(p, t.col, t.s, t.n, "size out of range: '%.*s' (%s must be %llu..%llu)",
                    qlen(t.n), t.s, what, (unsigned long long)lo, (unsigned long long)hi);
    return true;
}

static bool valid_id(const struct tok *t)
{
    char c = t->s[0];
    if (!is_alpha(c) && c != '_' && c != '$')
        return false;
    for (size_t i = 1; i < t->n; i++) {
        c = t->s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '$')
            return false;
    }
    return true;
}

static bool id_tok(struct parser *p, const struct tok *t, uint32_t *id)
{
    if (is_digit(t->s[0]))
        return fail(p, t->col, t->s, t->n,
                    "expected an id, got the number '%.*s' (a number is never an id)", qlen(t->n),
                    t->s);
    if (!valid_id(t))
        return fail(p, t->col, t->s, t->n,
                    "expected an id (a letter, '_' or '$', then letters, digits, '_', '.' "
                    "or '$'), got '%.*s'",
                    qlen(t->n), t->s);
    return intern_name(p, t->s, t->n, id);
}

static bool want_id(struct parser *p, struct line *ln, uint32_t *id)
{
    struct tok t;
    return want(p, ln, &t, "an id") && id_tok(p, &t, id);
}

/* Optional LABEL at the end of reserve/identity. */
static bool range_label(struct parser *p, struct line *ln, uint32_t *label)
{
    struct tok t;
    *label = TRACE_NO_TEXT;
    if (!optional(ln, &t))
        return true;
    if (!intern_text(p, t.s, t.n, label))
        return false;
    return want_end(p, ln);
}

static bool native_config(struct parser *p, enum directive d, struct line *ln, const struct tok *w)
{
    struct trace_config *cfg = &p->t->cfg;
    struct tok t, t2;
    uint64_t v, v2;
    const char *why;
    struct trace_range r;

    if (p->ops_begun)
        return fail(p, w->col, w->s, w->n,
                    "configuration line after the first operation: '%.*s' must come before "
                    "any operation",
                    qlen((*w).n), (*w).s);
    switch (d) {
    case D_RAM:
        if (!want_num(p, ln, "a RAM size", &v, &t))
            return false;
        if ((why = trace_ram_check(v)) != NULL)
            return fail(p, t.col, t.s, t.n, "%s, got '%.*s'", why, qlen(t.n), t.s);
        cfg->ram = v;
        cfg->has_ram = true;
        cfg->ram_line = p->lineno;
        cfg->ram_col = t.col;
        return want_end(p, ln);
    case D_PAGING: {
        if (!want(p, ln, &t, "a paging mode (32, pse, pae or long)"))
            return false;
        char word[8];
        enum paging_mode pg;
        bool ok = t.n < sizeof word;
        if (ok) {
            memcpy(word, t.s, t.n);
            word[t.n] = '\0';
            ok = trace_paging_parse(word, &pg);
        }
        if (!ok)
            return fail(p, t.col, t.s, t.n,
                        "unknown paging mode '%.*s', expected 32, pse, pae or long", qlen(t.n),
                        t.s);
        cfg->paging = pg;
        cfg->has_paging = true;
        cfg->paging_line = p->lineno;
        cfg->paging_col = t.col;
        return want_end(p, ln);
    }
    case D_TLB:
        if (!want_num(p, ln, "a number of TLB entries", &v, &t))
            return false;
        if (optional(ln, &t2)) {
            if (!num_tok(p, &t2, "a number of TLB ways", &v2))
                return false;
        } else {
            t2 = t;
            v2 = v < 4 ? v : 4;
        }
        if ((why = trace_tlb_check(v, v2)) != NULL) {
            const struct tok *bad = (v == 0 || v > TRACE_TLB_MAX_ENTRIES) ? &t : &t2;
            return fail(p, bad->col, bad->s, bad->n, "bad TLB geometry %llu:%llu: %s",
                        (unsigned long long)v, (unsigned long long)v2, why);
        }
        cfg->tlb_entries = (unsigned)v;
        cfg->tlb_ways = (unsigned)v2;
        cfg->has_tlb = true;
        cfg->tlb_line = p->lineno;
        cfg->tlb_col = t.col;
        return want_end(p, ln);
    case D_RESERVE:
        if (!want_num(p, ln, "a start address", &v, &t) ||
            !want_num(p, ln, "an end address", &v2, &t2))
            return false;
        if (v2 <= v)
            return fail(p, t2.col, t2.s, t2.n,
                        "size out of range: reserve end '%.*s' must be above its start", qlen(t2.n),
                        t2.s);
        r.start = v;
        r.len = v2 - v;
        r.line = p->lineno;
        r.col = t.col;
        return range_label(p, ln, &r.label) && push_range(p, &cfg->reserve, &cfg->nreserve, &r);
    case D_IDENTITY:
        if (!want_num(p, ln, "a start address", &v, &t) || !want_num(p, ln, "a length", &v2, &t2))
            return false;
        if (v2 == 0)
            return fail(p, t2.col, t2.s, t2.n, "size out of range: identity length must not be 0");
        if (v2 - 1 > UINT64_MAX - v)
            return fail(p, t2.col, t2.s, t2.n,
                        "size out of range: start + length overflows 64 bits ('%.*s')", qlen(t2.n),
                        t2.s);
        r.start = v;
        r.len = v2;
        r.line = p->lineno;
        r.col = t.col;
        return range_label(p, ln, &r.label) && push_range(p, &cfg->identity, &cfg->nidentity, &r);
    case D_MALLOC:
    case D_CALLOC:
    case D_REALLOC:
    case D_FREE:
    case D_READ:
    case D_WRITE:
    case D_SAY:
    case D_PROTECT:
    case D_INVLPG:
    case D_CR3:
    case D_CR0:
    case D_CR4:
    case D_EXEC:
        break;
    }
    return false;
}

/* The trailing modifier of read/write/exec: `user` (a CPL-3 access), then the
 * end of the line. t, when not NULL, is a token already taken. */
static bool access_modifier(struct parser *p, struct line *ln, struct op *op, const struct tok *t)
{
    struct tok u;
    if (t == NULL) {
        if (!optional(ln, &u))
            return true;
        t = &u;
    }
    if (!tok_is(t, "user"))
        return fail(p, t->col, t->s, t->n, "unexpected '%.*s', expected 'user' or end of line",
                    qlen(t->n), t->s);
    op->flags |= OP_F_USER;
    return want_end(p, ln);
}

/* The target of read/write/exec/invlpg: ID OFFSET or ADDR. */
static bool access_target(struct parser *p, struct line *ln, struct op *op, struct tok *t)
{
    if (!want(p, ln, t, "an id or an address"))
        return false;
    if (is_digit(t->s[0])) {
        op->flags |= OP_F_RAW;
        return num_tok(p, t, "an address", &op->a);
    }
    if (!valid_id(t))
        return fail(p, t->col, t->s, t->n, "expected an id or an address, got '%.*s'", qlen(t->n),
                    t->s);
    if (!id_tok(p, t, &op->id))
        return false;
    return want_num(p, ln, "an offset", &op->a, t);
}

/* read/write: ID OFFSET [LEN] [user] or ADDR [LEN] [user]; exec (has_len
 * false): ID OFFSET [user] or ADDR [user], one byte. */
static bool native_access(struct parser *p, struct line *ln, struct op *op, bool has_len)
{
    struct tok t;
    if (!access_target(p, ln, op, &t))
        return false;
    op->b = 1;
    struct tok lt = t;
    size_t save = ln->pos;
    bool more = optional(ln, &lt);
    if (more && has_len && !tok_is(&lt, "user")) {
        uint64_t v;
        if (!is_digit(lt.s[0]))
            return fail(p, lt.col, lt.s, lt.n, "expected a length or 'user', got '%.*s'",
                        qlen(lt.n), lt.s);
        ln->pos = save;
        if (!want_size(p, ln, "a length", 0, MAX_LEN, &v))
            return false;
        op->b = v;
        more = false;
    }
    /* An id's offset and length are the program's (out of bounds is a
     * diagnostic); raw bytes past 2^64 - 1 are in no address space. */
    if ((op->flags & OP_F_RAW) && op->b > 0 && op->b - 1 > UINT64_MAX - op->a)
        return fail(p, lt.col, lt.s, lt.n, "size out of range: the access runs past 2^64");
    return access_modifier(p, ln, op, more ? &lt : NULL);
}

/* A word out of two choices: sets *first when it is `a`, clears it for `b`;
 * anything else is "expected A or B, got 'X'". */
static bool want_choice(struct parser *p, struct line *ln, const char *a, const char *b,
                        bool *first)
{
    struct tok t;
    char what[32];
    snprintf(what, sizeof what, "%s or %s", a, b);
    if (!want(p, ln, &t, what))
        return false;
    if (tok_is(&t, a) || tok_is(&t, b)) {
        *first = tok_is(&t, a);
        return true;
    }
    return fail(p, t.col, t.s, t.n, "expected %s, got '%.*s'", what, qlen(t.n), t.s);
}

/* protect ID ro|rw [noinvlpg] or protect ADDR LEN ro|rw [noinvlpg]. */
static bool native_protect(struct parser *p, struct line *ln, struct op *op)
{
    struct tok t;
    if (!want(p, ln, &t, "an id or an address"))
        return false;
    if (is_digit(t.s[0])) {
        op->flags |= OP_F_RAW;
        if (!num_tok(p, &t, "an address", &op->a))
            return false;
        struct tok lt;
        size_t save = ln->pos;
        if (!want(p, ln, &lt, "a length"))
            return false;
        ln->pos = save;
        if (!want_size(p, ln, "a length", 1, MAX_LEN, &op->b))
            return false;
        if (op->b - 1 > UINT64_MAX - op->a)
            return fail(p, lt.col, lt.s, lt.n, "size out of range: the range runs past 2^64");
    } else {
        if (!valid_id(&t))
            return fail(p, t.col, t.s, t.n, "expected an id or an address, got '%.*s'", qlen(t.n),
                        t.s);
        if (!id_tok(p, &t, &op->id))
            return false;
    }
    bool ro;
    if (!want_choice(p, ln, "ro", "rw", &ro))
        return false;
    if (ro)
        op->flags |= OP_F_RO;
    struct tok m;
    if (optional(ln, &m)) {
        if (!tok_is(&m, "noinvlpg"))
            return fail(p, m.col, m.s, m.n, "unexpected '%.*s', expected 'noinvlpg' or end of line",
                        qlen(m.n), m.s);
        op->flags |= OP_F_NOINVLPG;
    }
    return want_end(p, ln);
}

/* invlpg ID [OFFSET] or invlpg ADDR. */
static bool native_invlpg(struct parser *p, struct line *ln, struct op *op)
{
    struct tok t;
    if (!want(p, ln, &t, "an id or an address"))
        return false;
    if (is_digit(t.s[0])) {
        op->flags |= OP_F_RAW;
        return num_tok(p, &t, "an address", &op->a) && want_end(p, ln);
    }
    if (!valid_id(&t))
        return fail(p, t.col, t.s, t.n, "expected an id or an address, got '%.*s'", qlen(t.n), t.s);
    if (!id_tok(p, &t, &op->id))
        return false;
    struct tok o;
    size_t save = ln->pos;
    if (optional(ln, &o)) {
        ln->pos = save;
        struct tok ot;
        if (!want_num(p, ln, "an offset", &op->a, &ot))
            return false;
    }
    return want_end(p, ln);
}

/* cr3 reload; cr0 wp on|off; cr4 pge on|off. */
static bool native_cr(struct parser *p, struct line *ln, enum directive d, struct op *op)
{
    struct tok t;
    const char *word = d == D_CR3 ? "reload" : d == D_CR0 ? "wp" : "pge";
    if (!want(p, ln, &t, word))
        return false;
    if (!tok_is(&t, word))
        return fail(p, t.col, t.s, t.n, "expected %s, got '%.*s'", word, qlen(t.n), t.s);
    if (d == D_CR3) {
        op->kind = OP_CR3_RELOAD;
        return true;
    }
    op->kind = d == D_CR0 ? OP_CR0_WP : OP_CR4_PGE;
    bool on;
    if (!want_choice(p, ln, "on", "off", &on))
        return false;
    op->a = on ? 1 : 0;
    return true;
}

static bool native_line(struct parser *p, const char *s, size_t n)
{
    struct line ln = {s, n, 0};
    struct tok w;
    if (!next_tok(s, n, &ln.pos, true, &w))
        return true; /* blank or comment */
    size_t k, nd = sizeof directives / sizeof directives[0];
    for (k = 0; k < nd; k++) {
        if (tok_is(&w, directives[k].word))
            break;
    }
    if (k == nd)
        return fail(p, w.col, w.s, w.n,
                    "unknown directive '%.*s', expected ram, paging, tlb, reserve, identity, "
                    "malloc, calloc, realloc, free, read, write, exec, say, protect, invlpg, "
                    "cr3, cr0 or cr4",
                    qlen(w.n), w.s);
    enum directive d = directives[k].d;
    struct op op = {0};
    struct tok vt;
    op.col = w.col;
    op.line = p->lineno;
    op.id = TRACE_NO_ID;
    op.id2 = TRACE_NO_ID;
    op.text = TRACE_NO_TEXT;
    switch (d) {
    case D_RAM:
    case D_PAGING:
    case D_TLB:
    case D_RESERVE:
    case D_IDENTITY:
        return native_config(p, d, &ln, &w);
    case D_MALLOC:
        op.kind = OP_MALLOC;
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a size", &op.a, &vt))
            return false;
        break;
    case D_CALLOC:
        op.kind = OP_CALLOC;
        /* A product past 2^64 is calloc's failure (NULL), not bad input. */
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a count", &op.a, &vt) ||
            !want_num(p, &ln, "a size", &op.b, &vt))
            return false;
        break;
    case D_REALLOC:
        op.kind = OP_REALLOC;
        if (!want_id(p, &ln, &op.id) || !want_num(p, &ln, "a size", &op.a, &vt))
            return false;
        op.id2 = op.id;
        break;
    case D_FREE:
        op.kind = OP_FREE;
        if (!want_id(p, &ln, &op.id))
            return false;
        break;
    case D_READ:
    case D_WRITE:
        op.kind = d == D_READ ? OP_READ : OP_WRITE;
        if (!native_access(p, &ln, &op, true))
            return false;
        break;
    case D_EXEC:
        op.kind = OP_EXEC;
        if (!native_access(p, &ln, &op, false))
            return false;
        break;
    case D_PROTECT:
        op.kind = OP_PROTECT;
        if (!native_protect(p, &ln, &op))
            return false;
        break;
    case D_INVLPG:
        op.kind = OP_INVLPG;
        if (!native_invlpg(p, &ln, &op))
            return false;
        break;
    case D_CR3:
    case D_CR0:
    case D_CR4:
        if (!native_cr(p, &ln, d, &op))
            return false;
        break;
    case D_SAY: {
        /* The caption is the rest of the line after one separator, verbatim. */
        size_t b = (size_t)(w.s - s) + w.n;
        if (b < n)
            b++;
        op.kind = OP_SAY;
        if (!arena_add(p, s + b, n - b, &op.text))
            return false;
        p->ops_begun = true;
        return push_op(p, &op);
    }
    }
    if (!want_end(p, &ln))
        return false;
    p->ops_begun = true;
    return push_op(p, &op);
}

/* ---------- the mtrace format ---------- */

/* An address: "(nil)" (null: *is_nil) or a number. */
static bool mt_addr(struct parser *p, struct line *ln, uint64_t *a, bool *is_nil)
{
    struct tok t;
    if (!next_tok(ln->s, ln->n, &ln->pos, false, &t))
        return fail(p, (unsigned)(ln->pos + 1), "", 0, "expected an address, got end of line");
    *is_nil = tok_is(&t, "(nil)");
    if (*is_nil) {
        *a = 0;
        return true;
    }
    switch (parse_num(t.s, t.n, false, a)) {
    case NUM_OK:
        return true;
    case NUM_RANGE:
        return fail(p, t.col, t.s, t.n, "number too large: '%.*s' does not fit in 64 bits",
                    qlen(t.n), t.s);
    case NUM_BAD:
        break;
    }
    return fail(p, t.col, t.s, t.n, "expected an address (0x... or (nil)), got '%.*s'", qlen(t.n),
                t.s);
}

static bool mt_size(struct parser *p, struct line *ln, uint64_t *v)
{
    struct tok t;
    if (!next_tok(ln->s, ln->n, &ln->pos, false, &t))
        return fail(p, (unsigned)(ln->pos + 1), "", 0, "expected a size, got end of line");
    switch (parse_num(t.s, t.n, false, v)) {
    case NUM_OK:
        return true;
    case NUM_RANGE:
        return fail(p, t.col, t.s, t.n, "number too large: '%.*s' does not fit in 64 bits",
                    qlen(t.n), t.s);
    case NUM_BAD:
        break;
    }
    return fail(p, t.col, t.s, t.n, "expected a size, got '%.*s'", qlen(t.n), t.s);
}

static bool mt_end(struct parser *p, struct line *ln)
{
    struct tok t;
    if (!next_tok(ln->s, ln->n, &ln->pos, false, &t))
        return true;
    return fail(p, t.col, t.s, t.n, "unexpected '%.*s', expected end of line", qlen(t.n), t.s);
}

static bool mt_pending_error(struct parser *p, unsigned col, const char *tok, size_t n)
{
    return fail(p, col, tok, n, "a '<' line not followed by '>' (the '<' is on line %lu)",
                (unsigned long)p->pend_line);
}

/* The handle of caller text s[0..n): a '<' and its '>' always share a
 * caller, and loops repeat a few, so the latest ones are tried first. */
static bool recent_caller(struct parser *p, const char *s, size_t n, uint32_t *caller)
{
    size_t i = 0;
    while (i < CALLER_MRU &&
           !(p->caller_len[i] == n && memcmp(p->t->arena + p->caller_text[i], s, n) == 0))
        i++;
    if (i == CALLER_MRU) {
        if (!intern_text(p, s, n, caller))
            return false;
        i = CALLER_MRU - 1;
    } else {
        *caller = p->caller_text[i];
    }
    /* Move to the front. */
    memmove(p->caller_len + 1, p->caller_len, i * sizeof p->caller_len[0]);
    memmove(p->caller_text + 1, p->caller_text, i * sizeof p->caller_text[0]);
    p->caller_len[0] = n;
    p->caller_text[0] = *caller;
    return true;
}

/* Turns a checked mtrace line into its operation (struct op's comment in
 * trace.h): oc is the operation character at column col, a the address (or
 * nil), size the size of '+', '!' and '>'. The line's syntax is checked;
 * what can still fail is memory and the id count. */
static bool mt_emit(struct parser *p, char oc, unsigned col, uint32_t caller, uint64_t a, bool nil,
                    uint64_t size)
{
    struct op op;
    memset(&op, 0, sizeof op);
    op.line = p->lineno;
    op.col = col;
    op.id = TRACE_NO_ID;
    op.id2 = TRACE_NO_ID;
    op.text = caller;
    switch (oc) {
    case '+':
        op.kind = OP_MALLOC;
        op.a = size;
        if (nil)
            op.flags = OP_F_FAILED;
        else if (intern_addr(p, a, &op.id))
            op.flags = OP_F_TOUCH;
        else
            return false;
        return push_op(p, &op);
    case '-':
        op.kind = OP_FREE;
        if (nil)
            op.flags = OP_F_NULL;
        else if (!intern_addr(p, a, &op.id))
            return false;
        return push_op(p, &op);
    case '!':
        op.kind = OP_REALLOC;
        op.a = size;
        op.flags = OP_F_FAILED;
        if (nil)
            op.flags |= OP_F_NULL;
        else if (!intern_addr(p, a, &op.id))
            return false;
        op.id2 = op.id;
        return push_op(p, &op);
    case '<':
        p->pend = true;
        p->pend_line = p->lineno;
        p->pend_col = op.col;
        p->pend_text = caller;
        p->pend_flags = nil ? OP_F_NULL : 0;
        p->pend_id = TRACE_NO_ID;
        if (!nil && !intern_addr(p, a, &p->pend_id))
            return false;
        return true;
    case '>':
        op.kind = OP_REALLOC;
        op.line = p->pend_line;
        op.col = p->pend_col;
        op.text = p->pend_text;
        op.flags = p->pend_flags;
        op.id = p->pend_id;
        op.a = size;
        if (nil) {
            op.flags |= OP_F_FAILED;
            op.id2 = op.id;
        } else if (!intern_addr(p, a, &op.id2)) {
            return false;
        }
        p->pend = false;
        return push_op(p, &op);
    default:
        break;
    }
    return false;
}

/* "0x" and 1 to 16 hex digits at s[i..n), ending at n or at the character
 * stop; returns where it ends (n or the stop), or 0 when the text is not
 * exactly that (the general parser then looks at it). */
static size_t fast_hex(const char *s, size_t i, size_t n, char stop, uint64_t *v)
{
    if (n - i < 3 || s[i] != '0' || s[i + 1] != 'x')
        return 0;
    i += 2;
    size_t b = i;
    uint64_t x = 0;
    unsigned d;
    while (i < n && (d = hex_plus1[(unsigned char)s[i]]) != 0) {
        x = x << 4 | (d - 1);
        i++;
    }
    if (i == b || i - b > 16 || (i < n && s[i] != stop))
        return 0;
    *v = x;
    return i;
}

/* The common shape of an mtrace line, as glibc writes it, without the
 * general tokenizer: "@ CALLER[0xADDR] OP 0xADDR[ 0xSIZE]" with single
 * spaces. Returns 1 when the line was that (and was handled: false from
 * mt_emit is -1), 0 when it is anything else (nothing changed: the general
 * parser then reads it, and reports its errors). */
static int mtrace_fast(struct parser *p, const char *s, size_t n)
{
    if (n < 12 || s[0] != '@' || s[1] != ' ' || is_blank(s[2]))
        return 0;
    const char *q = memchr(s + 2, ']', n - 2);
    if (q == NULL || (size_t)(q - s) + 1 >= n || q[1] != ' ')
        return 0;
    size_t close = (size_t)(q - s);
    size_t open = close;
    while (open > 2 && s[open] != '[')
        open--;
    uint64_t where, a, size = 0;
    if (s[open] != '[' || fast_hex(s, open + 1, close + 1, ']', &where) != close)
        return 0;
    size_t i = close + 2;
    if (n - i < 5 || s[i + 1] != ' ')
        return 0;
    char oc = s[i];
    unsigned col = (unsigned)(i + 1);
    bool sized = oc == '+' || oc == '!' || oc == '>';
    if (!sized && oc != '-' && oc != '<')
        return 0;
    if ((p->pend && oc != '>') || (!p->pend && oc == '>'))
        return 0;
    i = fast_hex(s, i + 2, n, ' ', &a);
    if (i == 0 || (sized ? i == n : i != n))
        return 0;
    if (sized && fast_hex(s, i + 1, n, ' ', &size) != n)
        return 0;
    uint32_t caller = TRACE_NO_TEXT;
    if (!p->no_callers && !recent_caller(p, s + 2, close - 1, &caller))
        return -1;
    return mt_emit(p, oc, col, caller, a, false, size) ? 1 : -1;
}

static bool mtrace_line(struct parser *p, const char *s, size_t n)
{
    int fast = mtrace_fast(p, s, n);
    if (fast != 0)
        return fast > 0;
    struct line ln = {s, n, 0};
    while (ln.pos < n && is_blank(s[ln.pos]))
        ln.pos++;
    if (ln.pos >= n || s[ln.pos] == '#')
        return true;

    if (s[ln.pos] == '=') {
        struct tok eq, w;
        next_tok(s, n, &ln.pos, false, &eq);
        if (eq.n != 1)
            return fail(p, eq.col, eq.s, eq.n, "unknown mtrace line '%.*s'", qlen(eq.n), eq.s);
        if (!next_tok(s, n, &ln.pos, false, &w))
            return fail(p, (unsigned)(ln.pos + 1), "", 0,
                        "expected Start or End after '=', got end of line");
        if (!tok_is(&w, "Start") && !tok_is(&w, "End"))
            return fail(p, w.col, w.s, w.n, "expected Start or End after '=', got '%.*s'",
                        qlen(w.n), w.s);
        if (p->pend)
            return mt_pending_error(p, eq.col, eq.s, eq.n);
        return mt_end(p, &ln);
    }

    uint32_t caller = TRACE_NO_TEXT;
    if (s[ln.pos] == '@') {
        unsigned at_col = (unsigned)(ln.pos + 1);
        ln.pos++;
        if (ln.pos >= n || !is_blank(s[ln.pos]))
            return fail(p, at_col, s + at_col - 1, 1, "expected a blank after '@'");
        while (ln.pos < n && is_blank(s[ln.pos]))
            ln.pos++;
        /* The caller runs to the first ']' followed by a blank or the end:
         * [0xADDR], FILE:[0xADDR] or FILE:(SYMBOL+OFF)[0xADDR]. */
        size_t b = ln.pos, e = b;
        const char *close = NULL;
        while (e < n) {
            const char *q = memchr(s + e, ']', n - e);
            if (!q)
                break;
            e = (size_t)(q - s) + 1;
            if (e >= n || is_blank(s[e])) {
                close = q;
                break;
            }
        }
        if (!close) {
            size_t tn = n - b;
            while (tn > 0 && is_blank(s[b + tn - 1]))
                tn--;
            return fail(p, (unsigned)(b + 1), s + b, tn,
                        "unterminated caller: expected '[0xADDR]' after '@'");
        }
        const char *open = close;
        while (open > s + b && *open != '[')
            open--;
        uint64_t where;
        size_t clen = (size_t)(close - (s + b)) + 1;
        if (*open != '[' ||
            parse_num(open + 1, (size_t)(close - open - 1), false, &where) != NUM_OK)
            return fail(p, (unsigned)(b + 1), s + b, clen,
                        "expected a caller ending in '[0xADDR]', got '%.*s'",
                        (int)(clen > 60 ? 60 : clen), s + b);
        if (!p->no_callers && !recent_caller(p, s + b, clen, &caller))
            return false;
        ln.pos = e;
        while (ln.pos < n && is_blank(s[ln.pos]))
            ln.pos++;
    }

    struct tok o;
    if (!next_tok(s, n, &ln.pos, false, &o))
        return fail(p, (unsigned)(ln.pos + 1), "", 0,
                    "expected an mtrace operation (+, -, <, > or !), got end of line");
    char oc = o.n == 1 ? o.s[0] : '\0';
    if (oc != '+' && oc != '-' && oc != '<' && oc != '>' && oc != '!')
        return fail(p, o.col, o.s, o.n,
                    "expected an mtrace operation (+, -, <, > or !), got '%.*s'", qlen(o.n), o.s);
    if (p->pend && oc != '>')
        return mt_pending_error(p, o.col, o.s, o.n);

    uint64_t a, size = 0;
    bool nil;
    if (!mt_addr(p, &ln, &a, &nil))
        return false;
    if (oc == '>' && !p->pend)
        return fail(p, o.col, o.s, o.n, "a '>' line without a '<' line before it");
    if ((oc == '+' || oc == '!' || oc == '>') && !mt_size(p, &ln, &size))
        return false;
    if (!mt_end(p, &ln))
        return false;
    return mt_emit(p, oc, o.col, caller, a, nil, size);
}

/* ---------- lines, detection, streaming ---------- */

static enum mode detect(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    if (i >= n || s[i] == '#')
        return MODE_UNKNOWN;
    char c = s[i];
    bool sep = i + 1 < n && is_blank(s[i + 1]);
    if ((c == '=' || c == '@' || c == '+' || c == '-' || c == '<' || c == '>' || c == '!') && sep)
        return MODE_MTRACE;
    return MODE_NATIVE;
}

static bool parse_line(struct parser *p, const char *s, size_t n)
{
    if (p->lineno == UINT32_MAX - 1)
        return fail(p, 0, NULL, 0, "too many lines");
    p->lineno++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (p->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        /* A UTF-8 byte-order mark is dropped; columns count from after it. */
        s += 3;
        n -= 3;
    }
    if (n > MAX_LINE)
        return fail(p, 1, s, 16, "line too long: more than 16 MiB");
    if (p->mode == MODE_UNKNOWN) {
        enum mode m = detect(s, n);
        if (m == MODE_UNKNOWN)
            return check_text(p, s, n);
        p->mode = m;
        p->t->format = p->mode == MODE_MTRACE ? TRACE_MTRACE : TRACE_NATIVE;
    }
    if (p->mode == MODE_MTRACE) {
        /* glibc writes a caller's file name as the bytes the program was
         * given (a Latin-1 directory, say): they are kept, not checked as
         * UTF-8, and escaped wherever they are shown (trace_escape). */
        const char *nul = memchr(s, '\0', n);
        if (nul != NULL)
            return fail(p, (unsigned)(nul - s) + 1, "\\0", 2, "NUL byte in the input");
        return mtrace_line(p, s, n);
    }
    if (!check_text(p, s, n))
        return false;
    return native_line(p, s, n);
}

/* Feeds len bytes; complete lines are parsed in place. */
static bool feed(struct parser *p, const char *data, size_t len)
{
    while (len > 0 && !p->failed) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        if (p->llen == 0 && nl) {
            if (!parse_line(p, data, take))
                return false;
        } else {
            if (p->llen + take > MAX_LINE + 2) {
                p->lineno++;
                return fail(p, 1, p->lbuf, p->llen < 16 ? p->llen : 16,
                            "line too long: more than 16 MiB");
            }
            if (!grow((void **)&p->lbuf, &p->lcap, p->llen + take, 1))
                return fail_nomem(p);
            memcpy(p->lbuf + p->llen, data, take);
            p->llen += take;
            if (nl) {
                size_t ll = p->llen;
                p->llen = 0;
                if (!parse_line(p, p->lbuf, ll))
                    return false;
            }
        }
        if (!nl)
            break;
        data = nl + 1;
        len -= take + 1;
    }
    return !p->failed;
}

static bool finish(struct parser *p)
{
    if (p->llen > 0) {
        size_t ll = p->llen;
        p->llen = 0;
        if (!parse_line(p, p->lbuf, ll))
            return false;
    }
    if (p->pend) {
        p->lineno = p->pend_line;
        return fail(p, p->pend_col, "<", 1,
                    "unterminated realloc: a '<' line not followed by '>' before the end");
    }
    return true;
}

static struct trace *begin(struct parser *p, const char *name, struct trace_error *err)
{
    memset(p, 0, sizeof *p);
    p->err = err ? err : &p->scratch;
    memset(p->err, 0, sizeof *p->err);
    struct trace *t = calloc(1, sizeof *t);
    if (!t) {
        fail_nomem(p);
        return NULL;
    }
    p->t = t;
    t->format = TRACE_NATIVE;
    t->cfg.ram = UINT64_C(16) << 20;
    t->cfg.paging = PAGING_32;
    t->cfg.tlb_entries = 64;
    t->cfg.tlb_ways = 4;
    const char *nm = name ? name : "-";
    size_t nl = strlen(nm);
    t->name = malloc(nl + 1);
    if (!t->name) {
        fail_nomem(p);
        trace_free(t);
        return NULL;
    }
    memcpy(t->name, nm, nl + 1);
    return t;
}

/* Ends a parse: drops the parser's tables; on failure the trace too. */
static struct trace *end(struct parser *p, bool ok)
{
    free(p->lbuf);
    free(p->ids.slot);
    free(p->texts.slot);
    free(p->addrs.slot);
    free(p->addrs.page);
    free(p->addrs.leaf);
    struct trace *t = p->t;
    if (!ok || p->failed) {
        trace_free(t);
        return NULL;
    }
    /* Give back the spare capacity of the ops array. */
    if (t->nops > 0 && p->ops_cap > t->nops) {
        struct op *shrunk = realloc(t->ops, t->nops * sizeof *t->ops);
        if (shrunk)
            t->ops = shrunk;
    }
    return t;
}

struct trace *trace_parse(const char *data, size_t len, const char *name, struct trace_error *err)
{
    struct parser p;
    if (!begin(&p, name, err))
        return NULL;
    bool ok = (len == 0 || data != NULL) && feed(&p, data, len) && finish(&p);
    return end(&p, ok);
}

/* Reads the next block of f (buf: READ_BLOCK bytes) and parses it; at the
 * end of the input finishes the parse and sets *eof. False on any error (a
 * read error is reported against the trace's name, line 0). */
static bool read_block(struct parser *p, FILE *f, char *buf, bool *eof)
{
    size_t got = fread(buf, 1, READ_BLOCK, f);
    if (got > 0 && !feed(p, buf, got))
        return false;
    if (got == READ_BLOCK)
        return true;
    if (ferror(f)) {
        int e = errno;
        const char *name = p->t->name;
        fail(p, 0, name, strlen(name), "cannot read: %s", e ? strerror(e) : "I/O error");
        p->err->line = 0;
        return false;
    }
    *eof = true;
    return finish(p);
}

struct trace *trace_load_stream(FILE *f, const char *name, struct trace_error *err)
{
    struct parser p;
    if (!begin(&p, name, err))
        return NULL;
    char *buf = malloc(READ_BLOCK);
    if (!buf) {
        fail_nomem(&p);
        return end(&p, false);
    }
    bool eof = false, ok = true;
    while (ok && !eof)
        ok = read_block(&p, f, buf, &eof);
    free(buf);
    return end(&p, ok);
}

struct trace *trace_load(const char *path, struct trace_error *err)
{
    if (!path) {
        struct parser p;
        begin(&p, "", err);
        fail(&p, 0, NULL, 0, "no trace file given");
        return end(&p, false);
    }
    if (strcmp(path, "-") == 0)
        return trace_load_stream(stdin, "-", err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        struct trace_error scratch;
        struct trace_error *ep = err ? err : &scratch;
        memset(ep, 0, sizeof *ep);
        set_token(ep, path, strlen(path));
        snprintf(ep->msg, sizeof ep->msg, "cannot open: %s", strerror(e));
        return NULL;
    }
    struct trace *t = trace_load_stream(f, path, err);
    fclose(f);
    return t;
}

/* ---------- reading while replaying ---------- */

struct trace_reader {
    struct parser p;
    struct trace_error err; /* the parser's */
    FILE *f;
    bool own_f; /* opened here: closed by trace_reader_close */
    bool eof;   /* the input is read and finished */
    char *buf;  /* READ_BLOCK bytes */
    uint64_t first;
};

struct trace_reader *trace_reader_open(const char *path, unsigned flags, struct trace_error *err)
{
    struct trace_error scratch;
    struct trace_error *ep = err ? err : &scratch;
    memset(ep, 0, sizeof *ep);
    if (!path) {
        snprintf(ep->msg, sizeof ep->msg, "no trace file given");
        return NULL;
    }
    struct trace_reader *r = calloc(1, sizeof *r);
    char *buf = malloc(READ_BLOCK);
    if (!r || !buf) {
        free(r);
        free(buf);
        snprintf(ep->msg, sizeof ep->msg, "out of memory");
        return NULL;
    }
    r->buf = buf;
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            int e = errno;
            set_token(ep, path, strlen(path));
            snprintf(ep->msg, sizeof ep->msg, "cannot open: %s", strerror(e));
            free(r->buf);
            free(r);
            return NULL;
        }
        r->own_f = true;
    }
    if (!begin(&r->p, path, &r->err)) {
        *ep = r->err;
        trace_reader_close(r);
        return NULL;
    }
    r->p.no_callers = (flags & TRACE_READ_NO_CALLERS) != 0;
    return r;
}

bool trace_reader_next(struct trace_reader *r, size_t *n, struct trace_error *err)
{
    struct parser *p = &r->p;
    struct trace *t = p->t;
    r->first += t->nops;
    t->nops = 0;
    while (t->nops == 0 && !r->eof && !p->failed) {
        if (!read_block(p, r->f, r->buf, &r->eof))
            break;
    }
    if (p->failed) {
        t->nops = 0;
        *n = 0;
        if (err)
            *err = r->err;
        return false;
    }
    *n = t->nops;
    return true;
}

const struct trace *trace_reader_trace(const struct trace_reader *r)
{
    return r->p.t;
}

uint64_t trace_reader_first(const struct trace_reader *r)
{
    return r->first;
}

void trace_reader_close(struct trace_reader *r)
{
    if (!r)
        return;
    if (r->p.t)
        end(&r->p, false);
    if (r->own_f)
        fclose(r->f);
    free(r->buf);
    free(r);
}

void trace_free(struct trace *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->ops);
    free(t->cfg.reserve);
    free(t->cfg.identity);
    free(t->arena);
    free(t->id_name);
    struct addr_names *an = t->intern;
    if (an) {
        free(an->addr);
        free(an->name);
        free(an);
    }
    free(t);
}
