/*
 * test_trace_mtrace.c - glibc mtrace logs (CONTRACT 2.3): format detection,
 * the caller shapes glibc's tr_where prints, realloc pairing, failed and
 * null operations, errors with their line:col and token, and real logs
 * recorded with glibc's tracer (tests/data/README.md), whose op counts are
 * computed here from the files themselves.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>

#include "trace/trace.h"

static struct trace *parse_at(const char *s, const char *file, int line)
{
    struct trace_error e;
    struct trace *t = trace_parse(s, strlen(s), "test", &e);
    if (!t) {
        fprintf(stderr, "%s:%d: unexpected parse error %u:%u '%s': %s\n", file, line, e.line, e.col,
                e.token, e.msg);
        _assert_true(0, "parse", file, line);
    }
    return t;
}
#define parse(s) parse_at((s), __FILE__, __LINE__)

static void expect_error_at(const char *s, unsigned line, unsigned col, const char *token,
                            const char *what, const char *file, int at)
{
    struct trace_error e;
    memset(&e, 0x55, sizeof e);
    struct trace *t = trace_parse(s, strlen(s), "test", &e);
    if (t) {
        trace_free(t);
        _assert_true(0, "expected a parse error", file, at);
    }
    if (e.line != line || e.col != col || strcmp(e.token, token) != 0 || !strstr(e.msg, what))
        fprintf(stderr, "%s:%d: got %u:%u '%s': %s\n", file, at, e.line, e.col, e.token, e.msg);
    _assert_int_equal(e.line, line, file, at);
    _assert_int_equal(e.col, col, file, at);
    _assert_string_equal(e.token, token, file, at);
    _assert_true(strstr(e.msg, what) != NULL, "message", file, at);
}
#define expect_error(s, line, col, tok, what)                                                      \
    expect_error_at((s), (line), (col), (tok), (what), __FILE__, __LINE__)

/* The path of tests/data/NAME: $PAGESIM_TEST_DATA, else beside this source. */
static void data_path(char *out, size_t n, const char *name)
{
    const char *env = getenv("PAGESIM_TEST_DATA");
    if (env && *env) {
        snprintf(out, n, "%s/%s", env, name);
        return;
    }
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    int dir = slash ? (int)(slash - src) : 1;
    snprintf(out, n, "%.*s/data/%s", dir, slash ? src : ".", name);
}

/* Reads a whole file into a NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

static void start_line_means_mtrace(void **state)
{
    struct trace *t = parse("= Start\n");
    assert_int_equal(t->format, TRACE_MTRACE);
    assert_int_equal(t->nops, 0);
    trace_free(t);
}

static void format_is_detected_from_the_first_meaningful_line(void **state)
{
    static const struct {
        const char *text;
        enum trace_format f;
    } cases[] = {
        {"@ [0x401156] + 0x4052a0 0x64\n", TRACE_MTRACE},
        {"+ 0x4052a0 0x64\n", TRACE_MTRACE},
        {"\n# recorded by hand\n\n- 0x4052a0\n", TRACE_MTRACE},
        {"  = Start\n", TRACE_MTRACE},
        {"! 0x10 0x20\n", TRACE_MTRACE},
        {"# = Start\nmalloc a 1\n", TRACE_NATIVE},
        {"malloc a 1\n", TRACE_NATIVE},
        {"\n\n", TRACE_NATIVE},
        {"say = Start\n", TRACE_NATIVE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct trace *t = parse(cases[i].text);
        assert_int_equal(t->format, cases[i].f);
        trace_free(t);
    }
}

static void contract_example_parses(void **state)
{
    struct trace *t = parse("= Start\n"
                            "@ ./prog:[0x401156] + 0x4052a0 0x64\n"
                            "@ ./prog:[0x40117a] < 0x4052a0\n"
                            "@ ./prog:[0x40117a] > 0x405720 0xc8\n"
                            "@ ./prog:[0x401190] - 0x405720\n"
                            "= End\n");
    assert_int_equal(t->format, TRACE_MTRACE);
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->nids, 2);
    const struct op *m = &t->ops[0], *r = &t->ops[1], *f = &t->ops[2];
    assert_int_equal(m->kind, OP_MALLOC);
    assert_int_equal(m->a, 100);
    assert_int_equal(m->flags, OP_F_TOUCH);
    assert_string_equal(trace_id_name(t, m->id), "0x4052a0");
    assert_string_equal(trace_text(t, m->text), "./prog:[0x401156]");
    assert_int_equal(m->line, 2);
    assert_int_equal(m->col, 21);
    assert_int_equal(r->kind, OP_REALLOC);
    assert_int_equal(r->id, m->id);
    assert_string_equal(trace_id_name(t, r->id2), "0x405720");
    assert_int_equal(r->a, 200);
    assert_int_equal(r->flags, 0);
    assert_int_equal(r->line, 3);
    assert_string_equal(trace_text(t, r->text), "./prog:[0x40117a]");
    assert_int_equal(f->kind, OP_FREE);
    assert_int_equal(f->id, r->id2);
    assert_int_equal(f->flags, 0);
    trace_free(t);
}

static void the_three_caller_shapes_are_kept(void **state)
{
    struct trace *t = parse("@ [0x401156] + 0x10 1\n"
                            "@ ./prog:[0x401156] + 0x20 2\n"
                            "@ /lib/x86_64-linux-gnu/libc.so.6:(_IO_file_doallocate+8c)[0x758cc] "
                            "+ 0x30 3\n"
                            "@ ./a b/prog:(main-1a)[0x1156] - 0x30\n"
                            "@ (sym+0x10)[0x1] - 0x20\n"
                            "- 0x10\n");
    assert_int_equal(t->nops, 6);
    assert_string_equal(trace_text(t, t->ops[0].text), "[0x401156]");
    assert_string_equal(trace_text(t, t->ops[1].text), "./prog:[0x401156]");
    assert_string_equal(trace_text(t, t->ops[2].text),
                        "/lib/x86_64-linux-gnu/libc.so.6:(_IO_file_doallocate+8c)[0x758cc]");
    assert_string_equal(trace_text(t, t->ops[3].text), "./a b/prog:(main-1a)[0x1156]");
    assert_string_equal(trace_text(t, t->ops[4].text), "(sym+0x10)[0x1]");
    assert_int_equal(t->ops[5].text, TRACE_NO_TEXT);
    assert_int_equal(t->ops[5].kind, OP_FREE);
    trace_free(t);
}

static void repeated_callers_are_stored_once(void **state)
{
    struct trace *t = parse("@ ./p:[0x1] + 0x10 1\n@ ./p:[0x2] + 0x20 1\n@ ./p:[0x1] + 0x30 1\n");
    assert_int_equal(t->ops[0].text, t->ops[2].text);
    assert_true(t->ops[0].text != t->ops[1].text);
    trace_free(t);
}

static void sizes_may_be_hex_decimal_or_zero(void **state)
{
    struct trace *t = parse("+ 0x10 0x64\n+ 0x20 100\n+ 0x30 0\n+ 0x40 0xffffffffffffffff\n");
    assert_int_equal(t->ops[0].a, 100);
    assert_int_equal(t->ops[1].a, 100);
    assert_int_equal(t->ops[2].a, 0);
    assert_hex_equal(t->ops[3].a, UINT64_MAX);
    for (int i = 0; i < 4; i++)
        assert_int_equal(t->ops[i].flags, OP_F_TOUCH);
    trace_free(t);
}

static void addresses_are_ids_by_value(void **state)
{
    struct trace *t = parse("+ 0x55D5C0A8B2A0 16\n- 0x55d5c0a8b2a0\n+ 0x55d5c0a8b2a0 32\n"
                            "+ 94376548676256 1\n");
    assert_int_equal(t->nids, 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(t->ops[i].id, 0);
    assert_string_equal(trace_id_name(t, 0), "0x55d5c0a8b2a0");
    trace_free(t);
}

static void nil_allocation_is_a_failed_malloc(void **state)
{
    struct trace *t = parse("@ ./p:[0x1] + (nil) 0x7fffffffffffffff\n");
    assert_int_equal(t->nops, 1);
    assert_int_equal(t->ops[0].kind, OP_MALLOC);
    assert_int_equal(t->ops[0].id, TRACE_NO_ID);
    assert_int_equal(t->ops[0].flags, OP_F_FAILED);
    assert_hex_equal(t->ops[0].a, 0x7fffffffffffffff);
    assert_int_equal(t->nids, 0);
    trace_free(t);
}

static void nil_free_is_harmless(void **state)
{
    struct trace *t = parse("- (nil)\n");
    assert_int_equal(t->ops[0].kind, OP_FREE);
    assert_int_equal(t->ops[0].id, TRACE_NO_ID);
    assert_int_equal(t->ops[0].flags, OP_F_NULL);
    trace_free(t);
}

static void bang_line_is_a_failed_realloc(void **state)
{
    struct trace *t = parse("+ 0x10 8\n! 0x10 0x100\n! (nil) 5\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->ops[1].kind, OP_REALLOC);
    assert_int_equal(t->ops[1].flags, OP_F_FAILED);
    assert_int_equal(t->ops[1].id, t->ops[0].id);
    assert_int_equal(t->ops[1].id2, t->ops[0].id);
    assert_int_equal(t->ops[1].a, 256);
    assert_int_equal(t->ops[2].kind, OP_REALLOC);
    assert_int_equal(t->ops[2].flags, OP_F_FAILED | OP_F_NULL);
    assert_int_equal(t->ops[2].id, TRACE_NO_ID);
    assert_int_equal(t->ops[2].id2, TRACE_NO_ID);
    trace_free(t);
}

static void realloc_pairs_survive_blank_lines_and_crlf(void **state)
{
    struct trace *t = parse("+ 0x10 8\r\n< 0x10\r\n\r\n> 0x10 16\r\n< (nil)\n> 0x20 4\n"
                            "< 0x20\n> (nil) 9\n");
    assert_int_equal(t->nops, 4);
    /* Grown in place: same id before and after. */
    assert_int_equal(t->ops[1].kind, OP_REALLOC);
    assert_int_equal(t->ops[1].id, t->ops[1].id2);
    assert_int_equal(t->ops[1].a, 16);
    assert_int_equal(t->ops[1].line, 2);
    /* From null. */
    assert_int_equal(t->ops[2].flags, OP_F_NULL);
    assert_int_equal(t->ops[2].id, TRACE_NO_ID);
    assert_string_equal(trace_id_name(t, t->ops[2].id2), "0x20");
    /* To null: failed, the block stays. */
    assert_int_equal(t->ops[3].flags, OP_F_FAILED);
    assert_int_equal(t->ops[3].id, t->ops[3].id2);
    trace_free(t);
}

static void start_and_end_markers_may_repeat(void **state)
{
    struct trace *t = parse("= Start\n+ 0x10 1\n= End\n= Start\n- 0x10\n= End\n");
    assert_int_equal(t->nops, 2);
    trace_free(t);
}

static void lt_not_followed_by_gt_is_an_error(void **state)
{
    expect_error("= Start\n@ [0x1] < 0x10\n@ [0x1] + 0x20 4\n", 3, 9, "+",
                 "a '<' line not followed by '>'");
    expect_error("< 0x10\n< 0x20\n", 2, 1, "<", "a '<' line not followed by '>'");
    expect_error("< 0x10\n= End\n", 2, 1, "=", "a '<' line not followed by '>'");
}

static void lt_at_the_end_is_unterminated(void **state)
{
    expect_error("= Start\n+ 0x10 4\n@ [0x5]  < 0x10\n\n", 3, 10, "<", "unterminated");
}

static void gt_without_lt_is_an_error(void **state)
{
    expect_error("= Start\n> 0x10 4\n", 2, 1, ">", "without a '<'");
}

static void bad_mtrace_lines_are_errors(void **state)
{
    expect_error("= Start\n+ 0x10 abc\n", 2, 8, "abc", "expected a size, got 'abc'");
    expect_error("= Start\n+ 0x10\n", 2, 7, "", "expected a size, got end of line");
    expect_error("= Start\n- 0xzz\n", 2, 3, "0xzz", "expected an address");
    expect_error("= Start\n- 0x10 4\n", 2, 8, "4", "expected end of line");
    expect_error("= Start\n+ 0x10000000000000000 4\n", 2, 3, "0x10000000000000000",
                 "number too large");
    expect_error("= Start\n* 0x10\n", 2, 1, "*", "expected an mtrace operation");
    expect_error("= Start\nmalloc a 1\n", 2, 1, "malloc", "expected an mtrace operation");
    expect_error("= Stop\n", 1, 3, "Stop", "expected Start or End");
    expect_error("= Start\n@ ./prog:[0x1\n", 2, 3, "./prog:[0x1", "unterminated caller");
    expect_error("= Start\n@ ./prog:[zz] + 0x1 1\n", 2, 3, "./prog:[zz]", "caller");
    expect_error("= Start\n@ [0x1]\n", 2, 8, "", "expected an mtrace operation");
    expect_error("= Start\n@[0x1] - 0x1\n", 2, 1, "@", "blank after '@'");
}

static void nul_in_a_log_is_an_error(void **state)
{
    static const char nul[] = "= Start\n- 0x1\0\n";
    struct trace_error e;
    assert_null(trace_parse(nul, sizeof nul - 1, "t", &e));
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 6);
}

/* glibc writes a caller's file name as raw bytes: a Latin-1 directory is
 * not UTF-8, and is kept byte for byte (escaped only when shown). */
static void callers_are_bytes_kept_not_text_checked(void **state)
{
    static const char s[] = "= Start\n@ /tmp/caf\xe9/prog:[0x401156] + 0x4052a0 0x64\n"
                            "@ ./\xfe\x1b:(f+0x1)[0x1] - 0x4052a0\n= End\n";
    struct trace_error e;
    struct trace *t = trace_parse(s, sizeof s - 1, "t", &e);
    assert_non_null(t);
    assert_int_equal(t->nops, 2);
    assert_string_equal(trace_text(t, t->ops[0].text), "/tmp/caf\xe9/prog:[0x401156]");
    assert_string_equal(trace_text(t, t->ops[1].text), "./\xfe\x1b:(f+0x1)[0x1]");
    trace_free(t);
}

/* Expected op counts of a real log, computed from its lines: the operation
 * character is the token after the caller ("] X ") or the line's first. */
struct counts {
    size_t plus, minus, lt, gt, bang, nil_plus, nil_minus;
};

static struct counts count_lines(const char *text)
{
    struct counts c = {0};
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char op = 0;
        const char *rest = NULL;
        if (n >= 2 && line[0] == '@') {
            for (size_t i = 0; i + 3 < n; i++) {
                if (line[i] == ']' && line[i + 1] == ' ' && line[i + 3] == ' ') {
                    op = line[i + 2];
                    rest = line + i + 4;
                    break;
                }
            }
        } else if (n >= 2 && line[1] == ' ') {
            op = line[0];
            rest = line + 2;
        }
        bool nil = rest && strncmp(rest, "(nil)", 5) == 0;
        c.plus += op == '+';
        c.minus += op == '-';
        c.lt += op == '<';
        c.gt += op == '>';
        c.bang += op == '!';
        c.nil_plus += op == '+' && nil;
        c.nil_minus += op == '-' && nil;
        line += n + (nl ? 1 : 0);
    }
    return c;
}

static void check_real_log(const char *name, size_t min_ops)
{
    char path[4096];
    data_path(path, sizeof path, name);
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text)
        fprintf(stderr, "cannot read %s\n", path);
    assert_non_null(text);
    assert_true(strncmp(text, "= Start\n", 8) == 0);
    struct counts c = count_lines(text);
    assert_int_equal(c.lt, c.gt);

    struct trace_error e;
    struct trace *t = trace_load(path, &e);
    if (!t)
        fprintf(stderr, "%s:%u:%u: error: %s\n", path, e.line, e.col, e.msg);
    assert_non_null(t);
    assert_int_equal(t->format, TRACE_MTRACE);
    assert_true(t->nops >= min_ops);
    size_t kinds[OP_KIND_COUNT] = {0};
    size_t failed_malloc = 0, null_free = 0, touched = 0, failed_realloc = 0;
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *op = &t->ops[i];
        kinds[op->kind]++;
        failed_malloc += op->kind == OP_MALLOC && (op->flags & OP_F_FAILED);
        touched += op->kind == OP_MALLOC && (op->flags & OP_F_TOUCH);
        null_free += op->kind == OP_FREE && (op->flags & OP_F_NULL);
        failed_realloc += op->kind == OP_REALLOC && (op->flags & OP_F_FAILED);
        assert_true(op->text != TRACE_NO_TEXT); /* glibc writes a caller on every line */
        if (op->id != TRACE_NO_ID)
            assert_true(strncmp(trace_id_name(t, op->id), "0x", 2) == 0);
    }
    assert_int_equal(kinds[OP_MALLOC], c.plus);
    assert_int_equal(kinds[OP_FREE], c.minus);
    assert_int_equal(kinds[OP_REALLOC], c.lt + c.bang);
    assert_int_equal(kinds[OP_CALLOC] + kinds[OP_READ] + kinds[OP_WRITE] + kinds[OP_SAY], 0);
    assert_int_equal(failed_malloc, c.nil_plus);
    assert_int_equal(touched, c.plus - c.nil_plus);
    assert_int_equal(null_free, c.nil_minus);
    assert_int_equal(failed_realloc, c.bang);
    assert_int_equal(t->nops, c.plus + c.minus + c.lt + c.bang);

    /* The same log from memory gives the same ops. */
    struct trace *m = trace_parse(text, len, name, &e);
    assert_non_null(m);
    assert_int_equal(m->nops, t->nops);
    assert_int_equal(m->nids, t->nids);
    assert_memory_equal(m->ops, t->ops, t->nops * sizeof *t->ops);
    trace_free(m);
    trace_free(t);
    free(text);
}

/* The same log with a blank at the end of every operation line: the fast
 * reader of glibc's exact line shape declines such lines, so the general
 * parser reads them; both must give the same trace. */
static void check_fast_and_general_agree(const char *name)
{
    char path[4096];
    data_path(path, sizeof path, name);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    char *padded = malloc(len * 2 + 1);
    assert_non_null(padded);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && i > 0 && text[i - 1] != '\n' && text[i - 1] != '\r')
            padded[n++] = ' ';
        padded[n++] = text[i];
    }
    assert_true(n > len);
    struct trace_error e;
    struct trace *fast = trace_parse(text, len, name, &e);
    struct trace *gen = trace_parse(padded, n, name, &e);
    assert_non_null(fast);
    assert_non_null(gen);
    assert_int_equal(fast->nops, gen->nops);
    assert_int_equal(fast->nids, gen->nids);
    assert_memory_equal(fast->ops, gen->ops, fast->nops * sizeof *fast->ops);
    for (size_t i = 0; i < fast->nops; i++)
        assert_string_equal(trace_text(fast, fast->ops[i].text), trace_text(gen, gen->ops[i].text));
    for (uint32_t id = 0; id < fast->nids; id++)
        assert_string_equal(trace_id_name(fast, id), trace_id_name(gen, id));
    trace_free(fast);
    trace_free(gen);
    free(padded);
    free(text);
}

static void glibc_shaped_lines_read_as_the_general_parser_reads_them(void **state)
{
    check_fast_and_general_agree("ls-usr.mtrace");
    check_fast_and_general_agree("python3.mtrace");
    check_fast_and_general_agree("sort.mtrace");
    check_fast_and_general_agree("realloc-demo.mtrace");
}

static void near_glibc_shapes_are_read_or_refused_like_any_line(void **state)
{
    /* Extra blanks, 17 hex digits, upper case, decimal: still read. */
    struct trace *t = parse("@ a[0x1]  +  0x10\t0x5\n"
                            "@ a[0x1] + 0x00000000000000020 0X5\n"
                            "@ a[0x1] + 0x30 5\n"
                            "@ a[12] - 0x10\n");
    assert_int_equal(t->nops, 4);
    assert_int_equal(t->ops[0].a, 5);
    assert_int_equal(t->ops[0].col, 11);
    assert_string_equal(trace_id_name(t, t->ops[1].id), "0x20");
    assert_int_equal(t->ops[1].a, 5);
    assert_int_equal(t->ops[2].a, 5);
    assert_int_equal(t->ops[3].id, t->ops[0].id);
    assert_string_equal(trace_text(t, t->ops[3].text), "a[12]");
    trace_free(t);
    /* Near misses keep the general parser's errors and columns. */
    expect_error("@ a[0x1] + 0x1g 0x5\n", 1, 12, "0x1g",
                 "expected an address (0x... or (nil)), got '0x1g'");
    expect_error("@ a[0x1] > 0x10 0x5\n", 1, 10, ">", "a '>' line without a '<' line before it");
    expect_error("@ a[0x1] < 0x10\n@ a[0x1] + 0x10 0x5\n", 2, 10, "+",
                 "a '<' line not followed by '>' (the '<' is on line 1)");
    expect_error("@ a[0x1] - 0x10 0x5\n", 1, 17, "0x5", "unexpected '0x5', expected end of line");
    expect_error("@ a[0x1] + 0x10\n", 1, 16, "", "expected a size, got end of line");
}

static void addresses_are_ids_by_value_in_every_table(void **state)
{
    /* Dense 16-aligned heap addresses (page leaves), unaligned ones and
     * sparse ones, one per far-apart page, beyond the leaf budget (the
     * plain table): each address keeps one id, and its name. */
    size_t groups = 3, per = 4000, cap = groups * per * 2 * 48 + 64, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t g = 0; g < groups; g++) {
            for (size_t i = 0; i < per; i++) {
                unsigned long long a = g == 0   ? 0x55d5c0a80000ull + 0x20ull * i
                                       : g == 1 ? 0x7f0000001008ull + 0x18ull * i
                                                : 0x100000000000ull + (0x10000ull * i) + 0x40;
                n += (size_t)snprintf(s + n, cap - n, "@ p[0x1] %s 0x%llx%s\n", pass ? "-" : "+", a,
                                      pass ? "" : " 0x10");
            }
        }
    }
    struct trace_error e;
    struct trace *t = trace_parse(s, n, "ids", &e);
    free(s);
    assert_non_null(t);
    size_t half = groups * per;
    assert_int_equal(t->nops, 2 * half);
    assert_int_equal(t->nids, half);
    for (size_t i = 0; i < half; i++) {
        assert_int_equal(t->ops[i].id, i);
        assert_int_equal(t->ops[half + i].id, i);
    }
    assert_string_equal(trace_id_name(t, 1), "0x55d5c0a80020");
    assert_string_equal(trace_id_name(t, (uint32_t)per + 1), "0x7f0000001020");
    assert_string_equal(trace_id_name(t, (uint32_t)(2 * per) + 2), "0x100000020040");
    trace_free(t);
}

static void real_log_of_ls_parses_with_matching_counts(void **state)
{
    check_real_log("ls-usr.mtrace", 100);
}

static void real_log_of_python3_parses_with_matching_counts(void **state)
{
    check_real_log("python3.mtrace", 1000);
}

static void real_log_of_sort_parses_with_matching_counts(void **state)
{
    check_real_log("sort.mtrace", 100);
}

static void real_log_of_realloc_demo_has_every_line_kind(void **state)
{
    check_real_log("realloc-demo.mtrace", 10);
    char path[4096];
    data_path(path, sizeof path, "realloc-demo.mtrace");
    struct trace_error e;
    struct trace *t = trace_load(path, &e);
    assert_non_null(t);
    bool moved = false, failed_alloc = false, failed_re = false, sym = false;
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *op = &t->ops[i];
        moved |= op->kind == OP_REALLOC && !(op->flags & OP_F_FAILED) && op->id != op->id2;
        failed_alloc |= op->kind == OP_MALLOC && op->flags == OP_F_FAILED;
        failed_re |= op->kind == OP_REALLOC && op->flags == OP_F_FAILED && op->id == op->id2;
        sym |= strstr(trace_text(t, op->text), ":(main+") != NULL;
    }
    assert_true(moved);
    assert_true(failed_alloc);
    assert_true(failed_re);
    assert_true(sym);
    trace_free(t);
}

static void a_large_log_parses(void **state)
{
    /* 1,000,000 lines in glibc's shape, 250,000 distinct addresses. */
    size_t lines = 1000000, cap = lines * 80, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s, cap, "= Start\n");
    for (size_t i = 0; i < lines / 4; i++) {
        unsigned long long a = 0x55d5c0a80000ull + 0x30ull * i;
        n += (size_t)snprintf(s + n, cap - n,
                              "@ /usr/bin/prog:(work+%zx)[0x%zx] + 0x%llx 0x%zx\n"
                              "@ /usr/bin/prog:[0x1234] < 0x%llx\n"
                              "@ /usr/bin/prog:[0x1234] > 0x%llx 0x40\n"
                              "@ /lib/libc.so.6:(free+1)[0x99] - 0x%llx\n",
                              i % 7, i % 13, a, i % 100, a, a + 8, a + 8);
    }
    struct trace_error e;
    struct trace *t = trace_parse(s, n, "big", &e);
    free(s);
    assert_non_null(t);
    assert_int_equal(t->nops, lines / 4 * 3);
    assert_int_equal(t->nids, lines / 4 * 2);
    assert_int_equal(t->ops[t->nops - 1].line, lines + 1);
    trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_line_means_mtrace),
        cmocka_unit_test(format_is_detected_from_the_first_meaningful_line),
        cmocka_unit_test(contract_example_parses),
        cmocka_unit_test(the_three_caller_shapes_are_kept),
        cmocka_unit_test(repeated_callers_are_stored_once),
        cmocka_unit_test(sizes_may_be_hex_decimal_or_zero),
        cmocka_unit_test(addresses_are_ids_by_value),
        cmocka_unit_test(nil_allocation_is_a_failed_malloc),
        cmocka_unit_test(nil_free_is_harmless),
        cmocka_unit_test(bang_line_is_a_failed_realloc),
        cmocka_unit_test(realloc_pairs_survive_blank_lines_and_crlf),
        cmocka_unit_test(glibc_shaped_lines_read_as_the_general_parser_reads_them),
        cmocka_unit_test(near_glibc_shapes_are_read_or_refused_like_any_line),
        cmocka_unit_test(addresses_are_ids_by_value_in_every_table),
        cmocka_unit_test(start_and_end_markers_may_repeat),
        cmocka_unit_test(lt_not_followed_by_gt_is_an_error),
        cmocka_unit_test(lt_at_the_end_is_unterminated),
        cmocka_unit_test(gt_without_lt_is_an_error),
        cmocka_unit_test(bad_mtrace_lines_are_errors),
        cmocka_unit_test(nul_in_a_log_is_an_error),
        cmocka_unit_test(callers_are_bytes_kept_not_text_checked),
        cmocka_unit_test(real_log_of_ls_parses_with_matching_counts),
        cmocka_unit_test(real_log_of_python3_parses_with_matching_counts),
        cmocka_unit_test(real_log_of_sort_parses_with_matching_counts),
        cmocka_unit_test(real_log_of_realloc_demo_has_every_line_kind),
        cmocka_unit_test(a_large_log_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
