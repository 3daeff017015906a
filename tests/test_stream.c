/*
 * test_stream.c - reading a trace while it is replayed (commit 8b9b12b):
 * trace_reader (trace/trace.h), tmem_grow (sim/tmem.h), machine_reserve_ids
 * (sim/machine.h) and timeline_create_reader / timeline_read_all
 * (replay/timeline.h).
 *
 * The checks are differential: a trace read in batches must give exactly the
 * operations, ids, names and errors trace_load gives for the same file, and a
 * timeline run from a reader must reach exactly the state (every tracked
 * array, the scalars, the op counts, and timeline_hash) of a timeline run
 * on the loaded trace. The files are larger than one 64 KiB
 * read block, and the interesting cases put a line, a CRLF, or an mtrace
 * '<'/'>' realloc pair across a block boundary. Randomness is seeded.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "replay/options.h"
#include "replay/timeline.h"
#include "sim/machine.h"
#include "sim/tmem.h"
#include "trace/trace.h"

#define BLOCK 65536u /* the reader's block size (trace.h: "one 64 KiB block") */

/* ---- a growable string and temporary files ---- */

struct buf {
    char *s;
    size_t n, cap;
};

static void buf_add(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        assert_true(w >= 0);
        if (b->s != NULL && (size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)w + 1)
            cap *= 2;
        b->s = realloc(b->s, cap);
        assert_non_null(b->s);
        b->cap = cap;
    }
}

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/pagesim-stream.XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes data to a new file in the temporary directory; returns its path
 * (static storage, one per name). */
static const char *write_file(const char *name, const char *data, size_t len)
{
    static char paths[8][300];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, 300, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

/* ---- seeded generators ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* A random native trace of nops operations whose ids keep appearing (id k
 * first shows up around operation 8k), so that later batches bring new ids:
 * allocations, frees, reallocs, accesses (some user, some raw), lesson
 * directives and captions (some long). crlf: every third line ends in CRLF. */
static void native_ops(struct buf *b, uint64_t seed, int nops, bool crlf)
{
    uint64_t r = seed * 2654435761u + 7;
    for (int i = 0; i < nops; i++) {
        uint64_t x = rng_next(&r);
        unsigned id = (unsigned)((x >> 8) % (unsigned)(4 + i / 8));
        unsigned k = (unsigned)(x % 100);
        unsigned long long size = (x >> 20) % 5 == 0 ? (x >> 24) % 150000 : (x >> 24) % 3000 + 1;
        unsigned long long off = (x >> 32) % 4000;
        const char *user = (x >> 40) % 5 == 0 ? " user" : "";
        if (k < 22)
            buf_add(b, "malloc b%u %llu", id, size);
        else if (k < 27)
            buf_add(b, "calloc b%u 3 %llu", id, size / 3 + 1);
        else if (k < 34)
            buf_add(b, "realloc b%u %llu", id, size);
        else if (k < 48)
            buf_add(b, "free b%u", id);
        else if (k < 62)
            buf_add(b, "write b%u %llu 8%s", id, off, user);
        else if (k < 76)
            buf_add(b, "read b%u %llu 4%s", id, off, user);
        else if (k < 80)
            buf_add(b, "write 0x%llx 4", (unsigned long long)((x >> 16) & 0xFFFFF000u));
        else if (k < 82)
            buf_add(b, "exec b%u %llu", id, off);
        else if (k < 85)
            buf_add(b, "protect b%u %s%s", id, (x >> 44) & 1 ? "ro" : "rw",
                    (x >> 45) & 1 ? " noinvlpg" : "");
        else if (k < 87)
            buf_add(b, "invlpg b%u %llu", id, off);
        else if (k < 88)
            buf_add(b, "cr3 reload");
        else if (k < 89)
            buf_add(b, "cr0 wp %s", (x >> 46) & 1 ? "on" : "off");
        else if (k < 90)
            buf_add(b, "cr4 pge %s", (x >> 47) & 1 ? "on" : "off");
        else if (k < 97)
            buf_add(b, "say step %d # not a comment", i);
        else
            buf_add(b, "say %d %.*s", i, (int)((x >> 48) % 400),
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. "
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. "
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. "
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. "
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. "
                    "The quick brown fox jumps over the lazy dog while the TLB caches it. ");
        buf_add(b, crlf && i % 3 == 0 ? "\r\n" : "\n");
    }
}

static struct buf native_trace(const char *paging, uint64_t seed, int nops, bool crlf)
{
    struct buf b = {0};
    buf_add(&b, "# random streamed trace\nram 8M\npaging %s\ntlb 16 4\n", paging);
    native_ops(&b, seed, nops, crlf);
    return b;
}

static const char *const callers[] = {
    "@ ./prog:[0x401156]",
    "@ [0x7f1e2a3b4c5d]",
    "@ ./prog:(main+12)[0x401234]",
    "@ /lib/x86_64-linux-gnu/libc.so.6:(__libc_start_main+0x80)[0x7f3c21229d90]",
    "@ /usr/lib/libstdc++.so.6:(_Znwm+0x18)[0x7f3c214a2b28]",
};

struct mgen {
    uint64_t r;
    uint64_t live[64];
    unsigned nlive;
    uint64_t next_addr;
    const char *eol;
};

static const char *mcaller(struct mgen *g)
{
    return callers[rng_next(&g->r) % (sizeof callers / sizeof callers[0])];
}

static uint64_t mnew_addr(struct mgen *g)
{
    g->next_addr += 0x30 + (rng_next(&g->r) % 64) * 16;
    if (g->next_addr > 0x4052a0 + 0x200000) /* addresses get reused */
        g->next_addr = 0x4052a0;
    return g->next_addr;
}

/* One random mtrace event (one line, or a '<'/'>' pair). */
static void mtrace_event(struct mgen *g, struct buf *b)
{
    uint64_t x = rng_next(&g->r);
    unsigned k = (unsigned)(x % 100);
    const char *c = mcaller(g);
    if (k < 40 || g->nlive == 0) {
        uint64_t a = mnew_addr(g);
        buf_add(b, "%s + 0x%llx 0x%llx%s", c, (unsigned long long)a,
                (unsigned long long)((x >> 16) % 5000 + 1), g->eol);
        if (g->nlive < 64)
            g->live[g->nlive++] = a;
        else
            g->live[(x >> 8) % 64] = a;
        return;
    }
    unsigned i = (unsigned)((x >> 8) % g->nlive);
    if (k < 70) {
        buf_add(b, "%s - 0x%llx%s", c, (unsigned long long)g->live[i], g->eol);
        g->live[i] = g->live[--g->nlive];
    } else if (k < 88) {
        uint64_t a = (x >> 30) & 1 ? g->live[i] : mnew_addr(g);
        buf_add(b, "%s < 0x%llx%s", c, (unsigned long long)g->live[i], g->eol);
        buf_add(b, "%s > 0x%llx 0x%llx%s", c, (unsigned long long)a,
                (unsigned long long)((x >> 16) % 9000 + 1), g->eol);
        g->live[i] = a;
    } else if (k < 92) {
        buf_add(b, "%s ! 0x%llx 0x%llx%s", c, (unsigned long long)g->live[i],
                (unsigned long long)((x >> 16) % 9000 + 1), g->eol);
    } else if (k < 95) {
        buf_add(b, "%s + (nil) 0x%llx%s", c, (unsigned long long)((x >> 16) + 1), g->eol);
    } else if (k < 97) {
        buf_add(b, "%s - 0x%llx%s", c, (unsigned long long)(0x900000 + (x >> 50) * 16), g->eol);
    } else {
        buf_add(b, "%s ! (nil) 0x10%s", c, g->eol);
    }
}

/* A random mtrace log of about `bytes` bytes. With d >= 0 a '<'/'>' pair is
 * placed so that its '<' line begins d bytes before the first block
 * boundary (a filler '+' line with a long file name makes the room); *lt_len
 * receives the '<' line's length with its line end. */
static struct buf mtrace_log(uint64_t seed, size_t bytes, bool crlf, long d, size_t *lt_len)
{
    struct mgen g;
    memset(&g, 0, sizeof g);
    g.r = seed * 0x9E3779B97F4A7C15u + 1;
    g.next_addr = 0x4052a0;
    g.eol = crlf ? "\r\n" : "\n";
    struct buf b = {0};
    buf_add(&b, "= Start%s", g.eol);
    bool placed = d < 0;
    while (b.n < bytes) {
        if (!placed && b.n > BLOCK - 600) {
            placed = true;
            const char *head = "@ ./prog";
            const char *tail = ":[0x401000] + 0x7770 0x10";
            size_t base = strlen(head) + strlen(tail) + strlen(g.eol);
            size_t target = BLOCK - (size_t)d;
            assert_true(b.n + base <= target);
            size_t pad = target - b.n - base;
            buf_add(&b, "%s%*s%s%s", head, (int)pad, "", tail, g.eol);
            /* The filler above pads with blanks inside the file name: use x. */
            memset(b.s + b.n - pad - strlen(tail) - strlen(g.eol), 'x', pad);
            assert_int_equal(b.n, target);
            size_t before = b.n;
            buf_add(&b, "@ ./prog:[0x40117a] < 0x7770%s", g.eol);
            *lt_len = b.n - before;
            buf_add(&b, "@ ./prog:[0x40117a] > 0x8880 0x2000%s", g.eol);
            buf_add(&b, "@ ./prog:[0x40118a] - 0x8880%s", g.eol);
            continue;
        }
        mtrace_event(&g, &b);
    }
    buf_add(&b, "= End%s", g.eol);
    return b;
}

/* ---- the differential check of the reader against trace_load ---- */

static void error_print(const char *what, const struct trace_error *e)
{
    fprintf(stderr, "# %s: %u:%u: %s (token '%s')\n", what, e->line, e->col, e->msg, e->token);
}

static void assert_same_error(const struct trace_error *want, const struct trace_error *got)
{
    if (want->line != got->line || want->col != got->col || strcmp(want->token, got->token) ||
        strcmp(want->msg, got->msg)) {
        error_print("trace_load", want);
        error_print("reader", got);
    }
    assert_int_equal(got->line, want->line);
    assert_int_equal(got->col, want->col);
    assert_string_equal(got->token, want->token);
    assert_string_equal(got->msg, want->msg);
}

static void assert_same_op(const struct trace *tw, const struct op *w, const struct trace *tg,
                           const struct op *g, bool no_callers)
{
    assert_int_equal(g->kind, w->kind);
    assert_int_equal(g->flags, w->flags);
    assert_int_equal(g->line, w->line);
    assert_int_equal(g->col, w->col);
    assert_int_equal(g->id, w->id);
    assert_int_equal(g->id2, w->id2);
    assert_hex_equal(g->a, w->a);
    assert_hex_equal(g->b, w->b);
    if (no_callers && tw->format == TRACE_MTRACE) {
        assert_int_equal(g->text, TRACE_NO_TEXT);
    } else {
        assert_int_equal(g->text == TRACE_NO_TEXT, w->text == TRACE_NO_TEXT);
        assert_string_equal(trace_text(tg, g->text), trace_text(tw, w->text));
    }
}

static void assert_same_config(const struct trace_config *w, const struct trace_config *g)
{
    assert_int_equal(g->has_ram, w->has_ram);
    assert_int_equal(g->has_paging, w->has_paging);
    assert_int_equal(g->has_tlb, w->has_tlb);
    assert_hex_equal(g->ram, w->ram);
    assert_int_equal(g->paging, w->paging);
    assert_int_equal(g->tlb_entries, w->tlb_entries);
    assert_int_equal(g->tlb_ways, w->tlb_ways);
    assert_int_equal(g->nreserve, w->nreserve);
    assert_int_equal(g->nidentity, w->nidentity);
}

/* Reads path with a reader (flags) and checks every batch against
 * trace_load's operations; with names, also the names of the ids met so far
 * after each batch. Returns the number of batches. */
static size_t reader_matches_load_names(const char *path, unsigned flags, bool names)
{
    struct trace_error e1, e2;
    memset(&e1, 0, sizeof e1);
    struct trace *t = trace_load(path, &e1);
    if (t == NULL)
        error_print("trace_load", &e1);
    assert_non_null(t);
    struct trace_reader *r = trace_reader_open(path, flags, &e2);
    assert_non_null(r);
    const struct trace *rt = trace_reader_trace(r);
    uint64_t seen = 0;
    size_t batches = 0, biggest = 0;
    for (;;) {
        size_t n = 99;
        bool ok = trace_reader_next(r, &n, &e2);
        if (!ok)
            error_print("reader", &e2);
        assert_true(ok);
        rt = trace_reader_trace(r);
        assert_int_equal(trace_reader_first(r), seen);
        if (n == 0)
            break;
        assert_int_equal(rt->nops, n);
        if (batches == 0)
            assert_same_config(&t->cfg, &rt->cfg);
        assert_true(seen + n <= t->nops);
        for (size_t i = 0; i < n; i++)
            assert_same_op(t, &t->ops[seen + i], rt, &rt->ops[i], (flags & TRACE_READ_NO_CALLERS));
        seen += n;
        batches++;
        if (n > biggest)
            biggest = n;
        /* The names of every id met so far are already known. */
        for (uint32_t id = 0; names && id < rt->nids; id++)
            assert_string_equal(trace_id_name(rt, id), trace_id_name(t, id));
    }
    assert_int_equal(seen, t->nops);
    assert_int_equal(rt->format, t->format);
    assert_int_equal(rt->nids, t->nids);
    for (uint32_t id = 0; id < t->nids; id++)
        assert_string_equal(trace_id_name(rt, id), trace_id_name(t, id));
    assert_same_config(&t->cfg, &rt->cfg);
    /* The end is sticky. */
    size_t n = 99;
    assert_true(trace_reader_next(r, &n, &e2));
    assert_int_equal(n, 0);
    assert_int_equal(trace_reader_first(r), t->nops);
    /* Streaming: no batch holds the whole of a trace several blocks long. */
    if (t->nops > 0 && batches > 1)
        assert_true(biggest < t->nops);
    trace_reader_close(r);
    trace_free(t);
    return batches;
}

static size_t reader_matches_load(const char *path, unsigned flags)
{
    return reader_matches_load_names(path, flags, false);
}

static void reader_matches_load_both(const char *path)
{
    reader_matches_load(path, 0);
    reader_matches_load(path, TRACE_READ_NO_CALLERS);
}

/* Reads path with a reader until it fails; checks the error is trace_load's
 * and stays. Returns the number of operations delivered before. */
static uint64_t reader_fails_as_load(const char *path, unsigned flags)
{
    struct trace_error e1, e2, e3;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    struct trace *t = trace_load(path, &e1);
    assert_null(t);
    struct trace_reader *r = trace_reader_open(path, flags, &e2);
    assert_non_null(r);
    uint64_t delivered = 0;
    size_t n = 0;
    const struct trace *rt = trace_reader_trace(r);
    for (;;) {
        bool ok = trace_reader_next(r, &n, &e2);
        if (!ok)
            break;
        /* A trace with an error must not look whole. */
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            assert_true(rt->ops[i].line < e1.line);
        delivered += n;
    }
    assert_int_equal(n, 0);
    assert_same_error(&e1, &e2);
    /* The reader stays failed. */
    memset(&e3, 0, sizeof e3);
    n = 99;
    assert_false(trace_reader_next(r, &n, &e3));
    assert_int_equal(n, 0);
    assert_same_error(&e1, &e3);
    trace_reader_close(r);
    return delivered;
}

/* ---- trace_reader ---- */

static void reader_gives_load_ops_for_big_native_trace(void **state)
{
    (void)state;
    struct buf b = native_trace("pae", 11, 12000, false);
    assert_true(b.n > 3 * BLOCK);
    const char *p = write_file("big.trace", b.s, b.n);
    assert_true(reader_matches_load(p, 0) >= 3);
    reader_matches_load(p, TRACE_READ_NO_CALLERS);
    free(b.s);
}

static void reader_gives_load_ops_with_crlf_lines(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct buf b = native_trace("long", seed, 9000, true);
        assert_true(b.n > 2 * BLOCK);
        reader_matches_load_both(write_file("crlf.trace", b.s, b.n));
        free(b.s);
    }
}

/* A line straddles the boundary at every position of a long `say` line; the
 * CR of a CRLF line is the last byte of a block; the file ends exactly on a
 * block boundary, with and without a final newline. */
static void reader_handles_lines_across_block_boundaries(void **state)
{
    (void)state;
    static const size_t cuts[] = {0, 1, 2, 5, 40, 119, 120, 121};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        for (int crlf = 0; crlf < 2; crlf++) {
            struct buf b = {0};
            buf_add(&b, "ram 4M\n");
            native_ops(&b, 5, 1500, false);
            /* Pad with a comment to BLOCK - cuts[c], then a 120-byte say line. */
            assert_true(b.n + 20 < BLOCK - 200);
            size_t pad = BLOCK - cuts[c] - b.n - 1;
            buf_add(&b, "#%*s\n", (int)pad - 1, "");
            assert_int_equal(b.n, BLOCK - cuts[c]);
            const char *eol = crlf ? "\r\n" : "\n";
            buf_add(&b, "say %0*d%s", 116 - (int)strlen(eol), 7, eol);
            buf_add(&b, "malloc after 4096\r\nwrite after 4095\n");
            native_ops(&b, 6, 4000, crlf);
            reader_matches_load_both(write_file("cut.trace", b.s, b.n));
            free(b.s);
        }
    }
    /* A file exactly two blocks long, ending in a newline or not. */
    for (int nl = 0; nl < 2; nl++) {
        struct buf b = {0};
        native_ops(&b, 8, 4000, false);
        assert_true(b.n < 2 * BLOCK - 100);
        size_t line = 2 * BLOCK - b.n - 19 - (size_t)nl; /* the comment line's bytes */
        buf_add(&b, "#%*s\n", (int)line - 2, "");
        buf_add(&b, "write 0x1000 4 user%s", nl ? "\n" : "");
        assert_int_equal(b.n, 2 * BLOCK);
        reader_matches_load_both(write_file("exact.trace", b.s, b.n));
        free(b.s);
    }
}

/* The '<' line of a realloc pair begins d bytes before the block boundary:
 * at it, across it, ending at it, and with the '>' line across it. */
static void reader_joins_realloc_pair_across_block_boundary(void **state)
{
    (void)state;
    for (int crlf = 0; crlf < 2; crlf++) {
        size_t lt = 0;
        struct buf probe = mtrace_log(3, 3 * BLOCK, crlf, 10, &lt);
        free(probe.s);
        assert_true(lt > 10);
        const long ds[] = {
            0, 1, 10, (long)lt - 2, (long)lt - 1, (long)lt, (long)lt + 1, (long)lt + 20};
        for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
            size_t l2 = 0;
            struct buf b = mtrace_log(3 + i, 3 * BLOCK, crlf, ds[i], &l2);
            assert_int_equal(l2, lt);
            /* The pair is there where it was put. */
            assert_memory_equal(b.s + BLOCK - ds[i], "@ ./prog:[0x40117a] < 0x7770", 28);
            const char *p = write_file("pair.mtrace", b.s, b.n);
            reader_matches_load_both(p);
            free(b.s);
        }
    }
}

static void reader_gives_load_ops_for_random_mtrace_logs(void **state)
{
    (void)state;
    for (uint64_t seed = 20; seed < 24; seed++) {
        size_t lt;
        struct buf b = mtrace_log(seed, 5 * BLOCK / 2, seed & 1, -1, &lt);
        reader_matches_load_both(write_file("rand.mtrace", b.s, b.n));
        free(b.s);
    }
}

static void reader_gives_load_ops_for_recorded_mtrace(void **state)
{
    (void)state;
    const char *dir = getenv("PAGESIM_TEST_DATA");
    if (dir == NULL)
        skip();
    static const char *const names[] = {"python3.mtrace", "ls-usr.mtrace", "sort.mtrace",
                                        "realloc-demo.mtrace"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        reader_matches_load_both(path);
    }
}

/* Configuration lines after 64 KiB of comments still come with the first
 * batch; a trace of configuration only ends at once. */
static void reader_first_batch_has_configuration_after_long_comments(void **state)
{
    (void)state;
    for (int ops = 0; ops < 2; ops++) {
        struct buf b = {0};
        while (b.n < BLOCK + 5000)
            buf_add(&b, "# a comment that says nothing at all, repeated to fill a block\n");
        buf_add(&b, "ram 12M\npaging pse\ntlb 32 8\nreserve 0x100000 0x110000 bios\n");
        if (ops)
            native_ops(&b, 9, 50, false);
        const char *p = write_file("conf.trace", b.s, b.n);
        reader_matches_load_both(p);
        struct trace_error e;
        struct trace_reader *r = trace_reader_open(p, 0, &e);
        assert_non_null(r);
        size_t n = 99;
        assert_true(trace_reader_next(r, &n, &e));
        assert_int_equal(n, ops ? 50 : 0);
        const struct trace *t = trace_reader_trace(r);
        assert_hex_equal(t->cfg.ram, 12u << 20);
        assert_int_equal(t->cfg.paging, PAGING_PSE);
        assert_int_equal(t->cfg.tlb_entries, 32);
        assert_int_equal(t->cfg.tlb_ways, 8);
        assert_int_equal(t->cfg.nreserve, 1);
        assert_int_equal(trace_reader_first(r), 0);
        trace_reader_close(r);
        free(b.s);
    }
}

static void reader_reports_late_native_errors_as_load(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "mallok x 10",                /* unknown operation */
        "malloc x 12q",               /* bad size */
        "read b1 0 0x10000000000000", /* length out of range */
        "paging pae",                 /* configuration after an operation */
        "protect b2 rx",              /* bad right */
        "malloc 9x 10",               /* bad id */
        "write b1",                   /* missing offset */
        "say \xff\xfe bad utf-8",     /* invalid UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* After 100 KiB, and (i odd) across the boundary at 128 KiB. */
        struct buf b = native_trace("32", 30 + i, 8000, i & 2);
        size_t at = i & 1 ? 2 * BLOCK - 5 : 100 * 1024;
        assert_true(b.n > at + 1000);
        char *nl = memchr(b.s + at, '\n', b.n - at);
        assert_non_null(nl);
        size_t pos = (size_t)(nl - b.s) + 1;
        if (i & 1) {
            /* Start the bad line a few bytes before the boundary. */
            while (pos > 2 * BLOCK - 4)
                pos--;
            while (b.s[pos - 1] != '\n') {
                pos--;
            }
        }
        struct buf c = {0};
        buf_add(&c, "%.*s%s\n%s", (int)pos, b.s, bad[i], b.s + pos);
        const char *p = write_file("bad.trace", c.s, c.n);
        uint64_t before = reader_fails_as_load(p, 0);
        assert_true(before > 0);
        reader_fails_as_load(p, TRACE_READ_NO_CALLERS);
        free(b.s);
        free(c.s);
    }
}

static void reader_reports_late_mtrace_errors_as_load(void **state)
{
    (void)state;
    for (int v = 0; v < 5; v++) {
        size_t lt;
        struct buf b = mtrace_log(40 + (uint64_t)v, 2 * BLOCK, v & 1, -1, &lt);
        /* Drop "= End". */
        b.n -= strlen(v & 1 ? "= End\r\n" : "= End\n");
        b.s[b.n] = '\0';
        const char *eol = v & 1 ? "\r\n" : "\n";
        if (v < 2) /* unterminated '<' at the very end */
            buf_add(&b, "@ ./prog:[0x401300] < 0x4052a0%s", eol);
        else if (v == 2) /* unterminated '<' at the end, no final newline */
            buf_add(&b, "@ ./prog:[0x401300] < 0x4052a0");
        else if (v == 3) /* a '<' followed by a '+' */
            buf_add(&b, "@ ./prog:[0x401300] < 0x4052a0%s@ ./prog:[0x401300] + 0x10 0x10%s", eol,
                    eol);
        else /* a bad caller: checked even when callers are not kept */
            buf_add(&b, "@ ./prog:[0x40zz] + 0x4052a0 0x10%s", eol);
        const char *p = write_file("bad.mtrace", b.s, b.n);
        assert_true(reader_fails_as_load(p, 0) > 0);
        assert_true(reader_fails_as_load(p, TRACE_READ_NO_CALLERS) > 0);
        free(b.s);
    }
}

static void reader_open_of_missing_file_fails_as_load(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/no-such.trace", tmpdir);
    struct trace_error e1, e2;
    memset(&e2, 0xAA, sizeof e2);
    assert_null(trace_load(path, &e1));
    assert_null(trace_reader_open(path, 0, &e2));
    assert_same_error(&e1, &e2);
    assert_non_null(strstr(e2.msg, "cannot open"));
    /* A directory opens but cannot be read: the same error either way. */
    memset(&e2, 0, sizeof e2);
    assert_null(trace_load(tmpdir, &e1));
    struct trace_reader *r = trace_reader_open(tmpdir, 0, &e2);
    if (r != NULL) {
        size_t n = 99;
        assert_false(trace_reader_next(r, &n, &e2));
        assert_int_equal(n, 0);
        trace_reader_close(r);
    }
    assert_same_error(&e1, &e2);
    trace_reader_close(NULL);
}

/* ---- tmem_grow ---- */

static void tmem_grow_keeps_contents_and_zeroes_new_bytes(void **state)
{
    (void)state;
    struct tmem *m = tmem_create(10000);
    assert_non_null(m);
    static const uint64_t offs[] = {0, 4095, 4096, 8191, 8192, 9999};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        tmem_touch(m, offs[i], 1);
        m->data[offs[i]] = (uint8_t)(0x11 * (i + 1));
    }
    uint64_t h = tmem_hash(m, 0);
    uint8_t *old = m->data;
    assert_true(tmem_grow(m, 100000));
    assert_true(m->data != old || m->size == 100000);
    assert_hex_equal(m->size, 100000);
    assert_true(m->nchunks * TMEM_CHUNK_SIZE >= 100000);
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        assert_int_equal(m->data[offs[i]], 0x11 * (i + 1));
    for (uint64_t a = 0; a < 100000; a++) {
        bool kept = false;
        for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
            kept |= offs[i] == a;
        if (!kept && m->data[a] != 0)
            fail_msg("byte %llu is 0x%02x after growing", (unsigned long long)a, m->data[a]);
    }
    /* Written chunks are still known as written: the hash sees them. */
    for (uint64_t c = 0; c < 3; c++)
        assert_true(m->written[0] & (UINT64_C(1) << c));
    /* A fresh buffer of the new size with the same bytes hashes equal. */
    struct tmem *f = tmem_create(100000);
    assert_non_null(f);
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        tmem_touch(f, offs[i], 1);
        f->data[offs[i]] = (uint8_t)(0x11 * (i + 1));
    }
    assert_hex_equal(tmem_hash(f, 0), tmem_hash(m, 0));
    /* The new part is writable and counts. */
    tmem_touch(m, 99999, 1);
    m->data[99999] = 5;
    tmem_touch(f, 99999, 1);
    f->data[99999] = 5;
    assert_hex_equal(tmem_hash(f, 0), tmem_hash(m, 0));
    assert_true(tmem_hash(m, 0) != h);
    /* Never shrinks. */
    uint8_t *d = m->data;
    assert_true(tmem_grow(m, 50));
    assert_true(tmem_grow(m, 100000));
    assert_ptr_equal(m->data, d);
    assert_hex_equal(m->size, 100000);
    tmem_destroy(f);
    tmem_destroy(m);
}

static void count_save(void *ctx, struct tmem *m, uint64_t chunk, const uint8_t *old, size_t len)
{
    (void)m;
    (void)chunk;
    (void)old;
    (void)len;
    (*(unsigned *)ctx)++;
}

static void tmem_grow_refuses_with_journal(void **state)
{
    (void)state;
    struct tmem *m = tmem_create(5000);
    assert_non_null(m);
    tmem_touch(m, 4999, 1);
    m->data[4999] = 9;
    unsigned saves = 0;
    struct tmem_journal j = {count_save, &saves};
    tmem_set_journal(m, &j);
    uint8_t *d = m->data;
    uint64_t h = tmem_hash(m, 0);
    assert_false(tmem_grow(m, 20000));
    assert_ptr_equal(m->data, d);
    assert_hex_equal(m->size, 5000);
    assert_int_equal(m->nchunks, 2);
    assert_hex_equal(tmem_hash(m, 0), h);
    assert_int_equal(saves, 0);
    /* The journal still works. */
    tmem_touch(m, 0, 1);
    assert_int_equal(saves, 1);
    /* Detached, it grows. */
    tmem_set_journal(m, NULL);
    assert_true(tmem_grow(m, 20000));
    assert_int_equal(m->data[4999], 9);
    assert_int_equal(m->data[5000], 0);
    assert_hex_equal(m->size, 20000);
    tmem_destroy(m);
}

/* ---- machine_reserve_ids ---- */

static struct machine *small_machine(uint32_t nids)
{
    struct machine_config c;
    machine_config_default(&c);
    c.ram_bytes = UINT64_C(8) << 20;
    c.nids = nids;
    enum machine_status st;
    struct machine *m = machine_create(&c, NULL, &st);
    assert_non_null(m);
    return m;
}

static void reserve_ids_lets_new_ids_allocate(void **state)
{
    (void)state;
    struct machine *m = small_machine(3);
    assert_true(machine_malloc(m, 1, 100));
    struct machine_block blk1;
    assert_true(machine_block(m, 1, &blk1));
    /* Before: an unknown id. */
    machine_malloc(m, 5, 64);
    struct machine_stats st = machine_stats(m);
    assert_int_equal(st.diag[DIAG_UNKNOWN_ID], 1);
    assert_int_equal(st.live_blocks, 1);
    assert_true(machine_reserve_ids(m, 6));
    assert_int_equal(machine_config(m)->nids, 6);
    assert_true(machine_malloc(m, 5, 64));
    machine_access(m, 5, 0, 64, MMU_WRITE);
    machine_access(m, 5, 60, 4, MMU_READ);
    st = machine_stats(m);
    assert_int_equal(st.diag[DIAG_UNKNOWN_ID], 1);
    assert_int_equal(st.diagnostics, 1);
    assert_int_equal(st.live_blocks, 2);
    machine_free(m, 5);
    st = machine_stats(m);
    assert_int_equal(st.diagnostics, 1);
    assert_int_equal(st.live_blocks, 1);
    /* Many growths later, old blocks are still there. */
    for (uint32_t n = 7; n < 20000; n = n * 3 + 1) {
        assert_true(machine_reserve_ids(m, n));
        assert_true(machine_malloc(m, n - 1, 16));
    }
    struct machine_block now;
    assert_true(machine_block(m, 1, &now));
    assert_hex_equal(now.va, blk1.va);
    assert_hex_equal(now.size, 100);
    assert_true(now.live);
    machine_free(m, 1);
    machine_free(m, 1);
    st = machine_stats(m);
    assert_int_equal(st.diag[DIAG_DOUBLE_FREE], 1);
    assert_int_equal(st.diag[DIAG_UNKNOWN_ID], 1);
    /* Never shrinks. */
    uint32_t have = machine_config(m)->nids;
    assert_true(machine_reserve_ids(m, 2));
    assert_int_equal(machine_config(m)->nids, have);
    machine_destroy(m);
}

static void reserve_ids_refuses_past_the_limit(void **state)
{
    (void)state;
    struct machine *m = small_machine(4);
    uint64_t h = machine_hash(m);
    assert_false(machine_reserve_ids(m, (UINT32_C(1) << 28) + 1));
    assert_false(machine_reserve_ids(m, UINT32_MAX));
    assert_int_equal(machine_config(m)->nids, 4);
    assert_hex_equal(machine_hash(m), h);
    machine_malloc(m, 4, 8);
    assert_int_equal(machine_stats(m).diag[DIAG_UNKNOWN_ID], 1);
    machine_destroy(m);
}

/* The id table is the last tracked array (machine_tmems); with a journal on
 * it, no new id is allowed, even within room the table already has. */
static void reserve_ids_refuses_with_journal(void **state)
{
    (void)state;
    struct machine *m = small_machine(4);
    assert_true(machine_reserve_ids(m, 5)); /* the table may now have room to spare */
    struct tmem *tm[16];
    size_t n = machine_tmems(m, tm, 16);
    assert_true(n >= 1 && n <= 16);
    unsigned saves = 0;
    struct tmem_journal j = {count_save, &saves};
    for (size_t i = 0; i < n; i++)
        tmem_set_journal(tm[i], &j);
    assert_false(machine_reserve_ids(m, 1000));
    assert_int_equal(machine_config(m)->nids, 5);
    assert_false(machine_reserve_ids(m, 6));
    assert_int_equal(machine_config(m)->nids, 5);
    for (size_t i = 0; i < n; i++)
        tmem_set_journal(tm[i], NULL);
    assert_true(machine_reserve_ids(m, 1000));
    assert_int_equal(machine_config(m)->nids, 1000);
    machine_destroy(m);
}

/* ---- timeline_create_reader ---- */

static const char *const modes[] = {"32", "pse", "pae", "long"};

static struct timeline *loaded_timeline(const char *path, struct trace **tp,
                                        const struct replay_options *o, unsigned flags)
{
    struct trace_error e;
    struct trace *t = trace_load(path, &e);
    if (t == NULL)
        error_print("trace_load", &e);
    assert_non_null(t);
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    struct timeline *tl = timeline_create(t, o, &p, &e);
    assert_non_null(tl);
    *tp = t;
    return tl;
}

static struct timeline *streamed_timeline(const char *path, struct trace_reader **rp,
                                          const struct replay_options *o, unsigned rflags,
                                          unsigned flags)
{
    struct trace_error e;
    struct trace_reader *r = trace_reader_open(path, rflags, &e);
    assert_non_null(r);
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    memset(&e, 0, sizeof e);
    struct timeline *tl = timeline_create_reader(r, o, flags == 0 ? NULL : &p, &e);
    if (tl == NULL)
        error_print("timeline_create_reader", &e);
    assert_non_null(tl);
    *rp = r;
    return tl;
}

static void assert_same_counts(const struct timeline *a, const struct timeline *b);

/* The two machines hold the same state: every tracked array equal (a grown
 * array may be longer: the rest must be zero), the scalar state equal. This
 * does not depend on the id table's capacity, which differs between a
 * loaded and a streamed replay (timeline_hash is checked on its own). */
static void assert_same_state(const struct timeline *lt, const struct timeline *st)
{
    /* machine_tmems is not const-qualified; the arrays are only read here. */
    struct machine *ma = (struct machine *)(uintptr_t)timeline_machine(lt);
    struct machine *mb = (struct machine *)(uintptr_t)timeline_machine(st);
    struct tmem *a[16], *b[16];
    size_t n = machine_tmems(ma, a, 16);
    assert_int_equal(machine_tmems(mb, b, 16), n);
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t common = a[i]->size < b[i]->size ? a[i]->size : b[i]->size;
        if (memcmp(a[i]->data, b[i]->data, (size_t)common) != 0)
            fail_msg("tracked array %zu differs (op %llu)", i,
                     (unsigned long long)timeline_pos(lt));
        const struct tmem *longer = a[i]->size > common ? a[i] : b[i];
        for (uint64_t k = common; k < longer->size; k++) {
            if (longer->data[k] != 0)
                fail_msg("tracked array %zu: byte %llu past the common size is set", i,
                         (unsigned long long)k);
        }
    }
    size_t z = machine_scalars_size(ma);
    assert_int_equal(machine_scalars_size(mb), z);
    uint8_t *x = malloc(z), *y = malloc(z);
    assert_true(x != NULL && y != NULL);
    machine_scalars_save(ma, x);
    machine_scalars_save(mb, y);
    assert_memory_equal(x, y, z);
    free(x);
    free(y);
    assert_same_counts(lt, st);
}

/* Runs both timelines in steps of `step` ops, comparing at each stop, then
 * to the end. */
static void run_side_by_side(struct timeline *lt, struct timeline *st, uint64_t step)
{
    enum timeline_stop w1, w2;
    for (;;) {
        uint64_t n1 = timeline_run(lt, step, 0, &w1, NULL);
        uint64_t n2 = timeline_run(st, step, 0, &w2, NULL);
        assert_int_equal(n2, n1);
        assert_int_equal(w2, w1);
        assert_int_equal(timeline_pos(st), timeline_pos(lt));
        assert_same_state(lt, st);
        /* The current op is the loaded trace's (at the end, a stream has
         * forgotten it: reading on found the end). */
        uint64_t k = timeline_pos(lt);
        if (k > 0 && w1 != TIMELINE_STOP_END) {
            const struct op *a = timeline_op(lt, k), *b = timeline_op(st, k);
            assert_non_null(b);
            assert_int_equal(b->line, a->line);
            assert_int_equal(b->kind, a->kind);
        }
        if (w1 == TIMELINE_STOP_END)
            break;
    }
}

static void assert_same_counts(const struct timeline *a, const struct timeline *b)
{
    uint64_t c1[OP_KIND_COUNT], c2[OP_KIND_COUNT];
    timeline_op_counts(a, c1);
    timeline_op_counts(b, c2);
    for (size_t k = 0; k < OP_KIND_COUNT; k++)
        assert_int_equal(c2[k], c1[k]);
}

static void streamed_timeline_reaches_loaded_state_in_every_mode(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        struct buf b = native_trace(modes[i], 100 + i, 9000, i == 2);
        assert_true(b.n > 2 * BLOCK);
        const char *p = write_file("mode.trace", b.s, b.n);
        struct trace *t;
        struct trace_reader *r;
        unsigned fl = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
        struct timeline *lt = loaded_timeline(p, &t, NULL, fl);
        struct timeline *st = streamed_timeline(p, &r, NULL, TRACE_READ_NO_CALLERS, fl);
        assert_same_state(lt, st); /* the boot */
        assert_int_equal(timeline_pos(st), 0);
        assert_true(timeline_len(st) < t->nops); /* only the first batch so far */
        assert_int_equal(machine_config(timeline_machine(st))->paging,
                         machine_config(timeline_machine(lt))->paging);
        run_side_by_side(lt, st, 997);
        assert_int_equal(timeline_pos(st), t->nops);
        assert_int_equal(timeline_len(st), t->nops);
        assert_same_counts(lt, st);
        assert_false(timeline_step(st));
        struct trace_error e;
        assert_true(timeline_read_all(st, &e));
        assert_int_equal(timeline_len(st), t->nops);
        assert_same_state(lt, st);
        /* Backwards is refused and changes nothing. */
        assert_false(timeline_goto(st, t->nops / 2));
        assert_int_equal(timeline_pos(st), t->nops);
        assert_same_state(lt, st);
        timeline_destroy(st);
        trace_reader_close(r);
        timeline_destroy(lt);
        trace_free(t);
        free(b.s);
    }
}

/* Events and history on (no params), a recorded mtrace log: same state. */
static void streamed_timeline_matches_on_recorded_mtrace(void **state)
{
    (void)state;
    const char *dir = getenv("PAGESIM_TEST_DATA");
    if (dir == NULL)
        skip();
    char path[512];
    snprintf(path, sizeof path, "%s/python3.mtrace", dir);
    for (size_t i = 0; i < 4; i++) {
        struct replay_options o;
        memset(&o, 0, sizeof o);
        o.has_paging = true;
        assert_true(trace_paging_parse(modes[i], &o.paging));
        struct trace *t;
        struct trace_reader *r;
        struct timeline *lt = loaded_timeline(path, &t, &o, TIMELINE_NO_CHECKPOINTS);
        struct timeline *st = streamed_timeline(path, &r, &o, i & 1 ? TRACE_READ_NO_CALLERS : 0, 0);
        run_side_by_side(lt, st, 1500);
        assert_int_equal(timeline_len(st), t->nops);
        assert_same_counts(lt, st);
        timeline_destroy(st);
        trace_reader_close(r);
        timeline_destroy(lt);
        trace_free(t);
    }
}

static void streamed_timeline_stops_at_option_at(void **state)
{
    (void)state;
    struct buf b = native_trace("pse", 7, 8000, false);
    const char *p = write_file("at.trace", b.s, b.n);
    struct trace *t = trace_load(p, NULL);
    assert_non_null(t);
    uint64_t nops = t->nops;
    trace_free(t);
    const uint64_t ats[] = {0, 1, 3000, 6543, nops - 1, nops, nops + 10};
    for (size_t i = 0; i < sizeof ats / sizeof ats[0]; i++) {
        struct replay_options o;
        memset(&o, 0, sizeof o);
        o.has_at = true;
        o.at = ats[i];
        uint64_t want = ats[i] < nops ? ats[i] : nops;
        struct trace_reader *r;
        unsigned fl = TIMELINE_NO_EVENTS;
        struct timeline *lt = loaded_timeline(p, &t, &o, TIMELINE_NO_CHECKPOINTS | fl);
        struct timeline *st = streamed_timeline(p, &r, &o, TRACE_READ_NO_CALLERS, fl);
        assert_int_equal(timeline_pos(lt), want);
        assert_int_equal(timeline_pos(st), want);
        assert_same_state(lt, st);
        assert_same_counts(lt, st);
        assert_true(timeline_len(st) >= want);
        struct trace_error e;
        assert_true(timeline_read_all(st, &e));
        assert_true(timeline_read_all(st, &e)); /* again: nothing left */
        assert_int_equal(timeline_len(st), nops);
        assert_int_equal(timeline_pos(st), want);
        assert_same_state(lt, st);
        assert_same_counts(lt, st);
        timeline_destroy(st);
        trace_reader_close(r);
        timeline_destroy(lt);
        trace_free(t);
    }
    free(b.s);
}

static void streamed_timeline_goes_forward_only(void **state)
{
    (void)state;
    struct buf b = native_trace("long", 8, 7000, false);
    const char *p = write_file("goto.trace", b.s, b.n);
    struct trace *t;
    struct trace_reader *r;
    unsigned fl = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    struct timeline *lt = loaded_timeline(p, &t, NULL, fl);
    struct timeline *st = streamed_timeline(p, &r, NULL, 0, fl);
    static const uint64_t targets[] = {10, 11, 4000, 4001, 6999};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        assert_true(timeline_goto(lt, targets[i]));
        assert_true(timeline_goto(st, targets[i]));
        assert_int_equal(timeline_pos(st), targets[i]);
        assert_same_state(lt, st);
        if (i == 2) {
            uint64_t h = timeline_hash(st);
            assert_false(timeline_goto(st, 3999));
            assert_false(timeline_goto(st, 0));
            assert_int_equal(timeline_pos(st), targets[i]);
            assert_hex_equal(timeline_hash(st), h);
            assert_true(timeline_step(st));
            assert_true(timeline_step(lt));
            assert_same_state(lt, st);
        }
    }
    /* Past the end: stops at the end. */
    timeline_goto(st, t->nops + 100);
    assert_int_equal(timeline_pos(st), t->nops);
    timeline_goto(lt, t->nops);
    assert_same_state(lt, st);
    assert_int_equal(timeline_len(st), t->nops);
    timeline_destroy(st);
    trace_reader_close(r);
    timeline_destroy(lt);
    trace_free(t);
    free(b.s);
}

/* A syntax error after 100 KiB: the run stops before it (at the end of the
 * last whole batch), the state is that of the good prefix at that point,
 * and timeline_read_all reports trace_load's error. */
static void streamed_timeline_stops_at_late_syntax_error(void **state)
{
    (void)state;
    for (int run = 0; run < 2; run++) {
        struct buf b = native_trace("pae", 50 + (uint64_t)run, 9000, false);
        char *nl = memchr(b.s + 100 * 1024, '\n', b.n - 100 * 1024);
        assert_non_null(nl);
        size_t pos = (size_t)(nl - b.s) + 1;
        struct buf c = {0};
        buf_add(&c, "%.*smalloc x 10 extra\n%s", (int)pos, b.s, b.s + pos);
        const char *good = write_file("good.trace", b.s, pos);
        const char *bad = write_file("late.trace", c.s, c.n);
        struct trace_error e1, e2;
        memset(&e2, 0, sizeof e2);
        assert_null(trace_load(bad, &e1));
        struct trace *t;
        struct trace_reader *r;
        unsigned fl = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
        struct timeline *lt = loaded_timeline(good, &t, NULL, fl);
        struct timeline *st = streamed_timeline(bad, &r, NULL, TRACE_READ_NO_CALLERS, fl);
        if (run == 0) {
            enum timeline_stop why;
            timeline_run(st, 0, 0, &why, NULL);
            assert_int_equal(why, TIMELINE_STOP_END);
            uint64_t k = timeline_pos(st);
            assert_true(k > 0 && k <= t->nops);
            assert_false(timeline_step(st));
            assert_true(timeline_goto(lt, k));
            assert_same_state(lt, st);
            assert_false(timeline_read_all(st, &e2));
            assert_same_error(&e1, &e2);
            assert_int_equal(timeline_pos(st), k);
        } else {
            /* Read without running. */
            assert_false(timeline_read_all(st, &e2));
            assert_same_error(&e1, &e2);
            assert_int_equal(timeline_pos(st), 0);
            assert_false(timeline_step(st));
        }
        /* Asked again, the same error. */
        memset(&e2, 0, sizeof e2);
        assert_false(timeline_read_all(st, &e2));
        assert_same_error(&e1, &e2);
        timeline_destroy(st);
        trace_reader_close(r);
        timeline_destroy(lt);
        trace_free(t);
        free(b.s);
        free(c.s);
    }
}

static void streamed_timeline_fails_at_early_error(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "ram 8M\nmalloc a 10\nbogus\n",
        "ram 5000\nmalloc a 10\n", /* rejected RAM size */
        "tlb 12 4\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *p = write_file("early.trace", texts[i], strlen(texts[i]));
        struct trace_error e1, e2;
        memset(&e1, 0, sizeof e1);
        memset(&e2, 0, sizeof e2);
        assert_null(trace_load(p, &e1));
        struct trace_reader *r = trace_reader_open(p, 0, &e2);
        assert_non_null(r);
        assert_null(timeline_create_reader(r, NULL, NULL, &e2));
        assert_same_error(&e1, &e2);
        trace_reader_close(r);
    }
    /* A configuration the machine rejects, in a parseable trace: as timeline_create. */
    const char *text = "ram 64G\npaging 32\nmalloc a 10\n";
    const char *p = write_file("cfg.trace", text, strlen(text));
    struct trace *t = trace_load(p, NULL);
    if (t != NULL) {
        struct trace_error e1, e2;
        memset(&e1, 0, sizeof e1);
        memset(&e2, 0, sizeof e2);
        struct timeline *lt = timeline_create(t, NULL, NULL, &e1);
        struct trace_reader *r = trace_reader_open(p, 0, &e2);
        assert_non_null(r);
        struct timeline *st = timeline_create_reader(r, NULL, NULL, &e2);
        assert_int_equal(st == NULL, lt == NULL);
        if (lt == NULL)
            assert_same_error(&e1, &e2);
        timeline_destroy(st);
        timeline_destroy(lt);
        trace_reader_close(r);
        trace_free(t);
    }
}

static void streamed_timeline_of_configuration_only_trace_is_empty(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_add(&b, "paging long\nram 4M\n");
    while (b.n < BLOCK + 100)
        buf_add(&b, "   # nothing but comments and blanks\n\n");
    const char *p = write_file("empty.trace", b.s, b.n);
    struct trace *t;
    struct trace_reader *r;
    struct timeline *lt = loaded_timeline(p, &t, NULL, TIMELINE_NO_CHECKPOINTS);
    struct timeline *st = streamed_timeline(p, &r, NULL, 0, TIMELINE_NO_EVENTS);
    assert_int_equal(timeline_len(st), 0);
    assert_false(timeline_step(st));
    enum timeline_stop why;
    assert_int_equal(timeline_run(st, 0, 0, &why, NULL), 0);
    assert_int_equal(why, TIMELINE_STOP_END);
    struct trace_error e;
    assert_true(timeline_read_all(st, &e));
    assert_int_equal(timeline_len(st), 0);
    assert_int_equal(machine_config(timeline_machine(st))->paging, PAGING_LONG);
    assert_same_state(lt, st);
    timeline_destroy(st);
    trace_reader_close(r);
    timeline_destroy(lt);
    trace_free(t);
    free(b.s);
}

/* Without a reader, timeline_read_all has nothing to do. */
static void read_all_without_reader_is_true(void **state)
{
    (void)state;
    const char *text = "malloc a 10\nfree a\n";
    struct trace *t = trace_parse(text, strlen(text), "x.trace", NULL);
    assert_non_null(t);
    struct timeline *tl = timeline_create(t, NULL, NULL, NULL);
    assert_non_null(tl);
    struct trace_error e;
    assert_true(timeline_read_all(tl, &e));
    assert_int_equal(timeline_len(tl), 2);
    timeline_destroy(tl);
    trace_free(t);
}

/* trace.h: "nids and the names grow as ids appear": asking for names
 * between batches works, and later ids get their names too. */
static void reader_names_ids_between_batches(void **state)
{
    (void)state;
    struct buf b = native_trace("32", 61, 8000, false);
    reader_matches_load_names(write_file("names.trace", b.s, b.n), 0, true);
    free(b.s);
    size_t lt;
    b = mtrace_log(62, 4 * BLOCK, false, -1, &lt);
    reader_matches_load_names(write_file("names.mtrace", b.s, b.n), TRACE_READ_NO_CALLERS, true);
    free(b.s);
}

/* timeline.h: "equal states give equal hashes, however they were reached".
 * A streamed replay and a loaded one of the same trace reach the same
 * state (assert_same_state above), so their hashes must be equal. */
static void streamed_timeline_hash_equals_loaded_hash(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        struct buf b = native_trace(modes[i], 200 + i, 6000, false);
        const char *p = write_file("hash.trace", b.s, b.n);
        struct trace *t;
        struct trace_reader *r;
        unsigned fl = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
        struct timeline *lt = loaded_timeline(p, &t, NULL, fl);
        struct timeline *st = streamed_timeline(p, &r, NULL, TRACE_READ_NO_CALLERS, fl);
        assert_hex_equal(timeline_hash(st), timeline_hash(lt));
        for (uint64_t k = 1000; k <= t->nops; k += 1000) {
            timeline_goto(lt, k);
            timeline_goto(st, k);
            assert_same_state(lt, st);
            if (timeline_hash(st) != timeline_hash(lt))
                fail_msg("paging %s, op %llu: streamed hash 0x%llx, loaded 0x%llx", modes[i],
                         (unsigned long long)k, (unsigned long long)timeline_hash(st),
                         (unsigned long long)timeline_hash(lt));
        }
        timeline_destroy(st);
        trace_reader_close(r);
        timeline_destroy(lt);
        trace_free(t);
        free(b.s);
    }
}

/* timeline.h: "timeline_goto and timeline_back to an earlier operation
 * return false": the operations before the current batch are gone. */
static void streamed_timeline_back_is_refused(void **state)
{
    (void)state;
    struct buf b = native_trace("32", 9, 6000, false);
    const char *p = write_file("back.trace", b.s, b.n);
    struct trace *t;
    struct trace_reader *r;
    unsigned fl = TIMELINE_NO_CHECKPOINTS | TIMELINE_NO_EVENTS;
    struct timeline *lt = loaded_timeline(p, &t, NULL, fl);
    struct timeline *st = streamed_timeline(p, &r, NULL, 0, fl);
    assert_true(timeline_goto(lt, 5000));
    assert_true(timeline_goto(st, 5000));
    assert_false(timeline_back(st));
    assert_int_equal(timeline_pos(st), 5000);
    assert_same_state(lt, st);
    timeline_destroy(st);
    trace_reader_close(r);
    timeline_destroy(lt);
    trace_free(t);
    free(b.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_gives_load_ops_for_big_native_trace),
        cmocka_unit_test(reader_gives_load_ops_with_crlf_lines),
        cmocka_unit_test(reader_handles_lines_across_block_boundaries),
        cmocka_unit_test(reader_joins_realloc_pair_across_block_boundary),
        cmocka_unit_test(reader_gives_load_ops_for_random_mtrace_logs),
        cmocka_unit_test(reader_gives_load_ops_for_recorded_mtrace),
        cmocka_unit_test(reader_first_batch_has_configuration_after_long_comments),
        cmocka_unit_test(reader_reports_late_native_errors_as_load),
        cmocka_unit_test(reader_reports_late_mtrace_errors_as_load),
        cmocka_unit_test(reader_open_of_missing_file_fails_as_load),
        cmocka_unit_test(tmem_grow_keeps_contents_and_zeroes_new_bytes),
        cmocka_unit_test(tmem_grow_refuses_with_journal),
        cmocka_unit_test(reserve_ids_lets_new_ids_allocate),
        cmocka_unit_test(reserve_ids_refuses_past_the_limit),
        cmocka_unit_test(reserve_ids_refuses_with_journal),
        cmocka_unit_test(streamed_timeline_reaches_loaded_state_in_every_mode),
        cmocka_unit_test(streamed_timeline_matches_on_recorded_mtrace),
        cmocka_unit_test(streamed_timeline_stops_at_option_at),
        cmocka_unit_test(streamed_timeline_goes_forward_only),
        cmocka_unit_test(streamed_timeline_stops_at_late_syntax_error),
        cmocka_unit_test(streamed_timeline_fails_at_early_error),
        cmocka_unit_test(streamed_timeline_of_configuration_only_trace_is_empty),
        cmocka_unit_test(read_all_without_reader_is_true),
        cmocka_unit_test(streamed_timeline_hash_equals_loaded_hash),
        cmocka_unit_test(streamed_timeline_back_is_refused),
        /* Last: its failure corrupts the heap (see the report of 8b9b12b's tests). */
        cmocka_unit_test(reader_names_ids_between_batches),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
