/*
 * test_trace_native.c - the native trace format (CONTRACT 2.1): every
 * directive, every error with its exact line:col and token, the tokenizer's
 * rules (comments, tabs, CRLF, suffixes, hex, id versus number), streaming
 * across read blocks, and the helpers the command line uses.
 */
#include "helpers.h"

#include <stdio.h>

#include "trace/trace.h"

/* Parses s; fails the test (at the caller's line) with the error if any. */
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

/* Parses s (len bytes) expecting an error at line:col on token, whose
 * message contains what. */
static void expect_error_at(const char *s, size_t len, unsigned line, unsigned col,
                            const char *token, const char *what, const char *file, int at)
{
    struct trace_error e;
    memset(&e, 0x55, sizeof e);
    struct trace *t = trace_parse(s, len, "test", &e);
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
    expect_error_at((s), strlen(s), (line), (col), (tok), (what), __FILE__, __LINE__)

static void empty_input_is_a_native_trace_with_no_ops(void **state)
{
    struct trace *t = parse("");
    assert_int_equal(t->format, TRACE_NATIVE);
    assert_int_equal(t->nops, 0);
    assert_int_equal(t->nids, 0);
    assert_string_equal(t->name, "test");
    trace_free(t);
}

static void comments_and_blank_lines_are_ignored(void **state)
{
    struct trace *t = parse("# a comment\n\n   \n\t# indented comment\nmalloc a 1 # trailing\n\n");
    assert_int_equal(t->nops, 1);
    assert_int_equal(t->ops[0].line, 5);
    trace_free(t);
}

static void defaults_hold_without_configuration_lines(void **state)
{
    struct trace *t = parse("malloc a 10\n");
    assert_false(t->cfg.has_ram);
    assert_false(t->cfg.has_paging);
    assert_false(t->cfg.has_tlb);
    assert_hex_equal(t->cfg.ram, 16u << 20);
    assert_int_equal(t->cfg.paging, PAGING_32);
    assert_int_equal(t->cfg.tlb_entries, 64);
    assert_int_equal(t->cfg.tlb_ways, 4);
    assert_int_equal(t->cfg.nreserve, 0);
    assert_int_equal(t->cfg.nidentity, 0);
    trace_free(t);
}

static void ram_takes_suffixes_and_hex(void **state)
{
    static const struct {
        const char *line;
        uint64_t bytes;
    } cases[] = {
        {"ram 16M\n", 16u << 20},       {"ram 4K\n", 4096},   {"ram 2G\n", UINT64_C(2) << 30},
        {"ram 0x1000000\n", 0x1000000}, {"ram 8192\n", 8192}, {"ram 64G\n", UINT64_C(64) << 30},
        {"ram 0x10M\n", 16u << 20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct trace *t = parse(cases[i].line);
        assert_true(t->cfg.has_ram);
        assert_hex_equal(t->cfg.ram, cases[i].bytes);
        trace_free(t);
    }
}

static void ram_of_zero_is_an_error(void **state)
{
    expect_error("ram 0\n", 1, 5, "0", "must not be 0");
}

static void ram_not_a_multiple_of_4k_is_an_error(void **state)
{
    expect_error("# x\nram  5000\n", 2, 6, "5000", "multiple of 4 KiB");
}

static void ram_above_64g_is_an_error(void **state)
{
    expect_error("ram 65G\n", 1, 5, "65G", "at most 64 GiB");
}

static void paging_accepts_the_four_modes(void **state)
{
    static const char *const words[] = {"32", "pse", "pae", "long"};
    for (int i = 0; i < 4; i++) {
        char line[32];
        snprintf(line, sizeof line, "paging %s\n", words[i]);
        struct trace *t = parse(line);
        assert_true(t->cfg.has_paging);
        assert_int_equal(t->cfg.paging, i);
        trace_free(t);
    }
}

static void unknown_paging_mode_is_an_error(void **state)
{
    expect_error("paging 64\n", 1, 8, "64", "unknown paging mode '64'");
    expect_error("paging\n", 1, 7, "", "expected a paging mode");
}

static void tlb_sets_entries_and_ways(void **state)
{
    struct trace *t = parse("tlb 128 8\n");
    assert_true(t->cfg.has_tlb);
    assert_int_equal(t->cfg.tlb_entries, 128);
    assert_int_equal(t->cfg.tlb_ways, 8);
    trace_free(t);
    t = parse("tlb 1 1\n");
    assert_int_equal(t->cfg.tlb_entries, 1);
    trace_free(t);
    t = parse("tlb 65536 16\n");
    assert_int_equal(t->cfg.tlb_entries, 65536);
    trace_free(t);
    t = parse("tlb 32\n");
    assert_int_equal(t->cfg.tlb_entries, 32);
    assert_int_equal(t->cfg.tlb_ways, 4);
    trace_free(t);
}

static void tlb_geometry_nonsense_is_an_error(void **state)
{
    expect_error("tlb 0 4\n", 1, 5, "0", "at least 1 entry");
    expect_error("tlb 64 3\n", 1, 8, "3", "divide");
    expect_error("tlb 48 4\n", 1, 8, "4", "power of 2");
    expect_error("tlb 131072 4\n", 1, 5, "131072", "at most 65536");
    expect_error("tlb 64 0\n", 1, 8, "0", "at least 1 way");
    expect_error("tlb 4 8\n", 1, 7, "8", "more TLB ways than entries");
}

static void reserve_records_start_and_length_from_end(void **state)
{
    struct trace *t = parse("reserve 0xA0000 0x100000 vga\nreserve 640K 1M\n");
    assert_int_equal(t->cfg.nreserve, 2);
    assert_hex_equal(t->cfg.reserve[0].start, 0xA0000);
    assert_hex_equal(t->cfg.reserve[0].len, 0x60000);
    assert_string_equal(trace_text(t, t->cfg.reserve[0].label), "vga");
    assert_int_equal(t->cfg.reserve[0].line, 1);
    assert_hex_equal(t->cfg.reserve[1].start, 0xA0000);
    assert_int_equal(t->cfg.reserve[1].label, TRACE_NO_TEXT);
    assert_string_equal(trace_text(t, t->cfg.reserve[1].label), "");
    trace_free(t);
}

static void many_reserves_grow_the_array(void **state)
{
    char buf[64 * 40];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "reserve %d %d r%d\n", i * 8192,
                              i * 8192 + 4096, i);
    struct trace *t = parse(buf);
    assert_int_equal(t->cfg.nreserve, 40);
    assert_hex_equal(t->cfg.reserve[39].start, 39 * 8192);
    assert_string_equal(trace_text(t, t->cfg.reserve[39].label), "r39");
    trace_free(t);
}

static void reserve_end_not_above_start_is_an_error(void **state)
{
    expect_error("reserve 0x2000 0x1000\n", 1, 16, "0x1000", "above its start");
    expect_error("reserve 0x2000 0x2000\n", 1, 16, "0x2000", "above its start");
    expect_error("reserve 0x2000\n", 1, 15, "", "expected an end address");
}

static void identity_records_range_and_label(void **state)
{
    struct trace *t = parse("identity 0xB8000 0x1000 text\n");
    assert_int_equal(t->cfg.nidentity, 1);
    assert_hex_equal(t->cfg.identity[0].start, 0xB8000);
    assert_hex_equal(t->cfg.identity[0].len, 0x1000);
    assert_string_equal(trace_text(t, t->cfg.identity[0].label), "text");
    trace_free(t);
    t = parse("identity 0xfffffffffffff000 0x1000\n");
    assert_hex_equal(t->cfg.identity[0].len, 0x1000);
    trace_free(t);
}

static void identity_overflowing_or_empty_is_an_error(void **state)
{
    expect_error("identity 0xfffffffffffff000 0x1001\n", 1, 29, "0x1001", "overflows");
    expect_error("identity 0x1000 0\n", 1, 17, "0", "must not be 0");
    expect_error("identity 0x1000 0x1000 a b\n", 1, 26, "b", "expected end of line");
}

static void configuration_after_an_operation_is_an_error(void **state)
{
    expect_error("malloc a 1\nram 16M\n", 2, 1, "ram",
                 "configuration line after the first operation");
    expect_error("say hello\n  paging pae\n", 2, 3, "paging",
                 "configuration line after the first operation");
    struct trace *t = parse("ram 16M\nram 32M\nmalloc a 1\n");
    assert_hex_equal(t->cfg.ram, 32u << 20);
    trace_free(t);
}

static void allocation_operations_are_recorded(void **state)
{
    struct trace *t = parse("malloc a 100\ncalloc b 10 0x20\nrealloc a 4K\nfree b\n");
    assert_int_equal(t->nops, 4);
    assert_int_equal(t->ops[0].kind, OP_MALLOC);
    assert_int_equal(t->ops[0].a, 100);
    assert_int_equal(t->ops[1].kind, OP_CALLOC);
    assert_int_equal(t->ops[1].a, 10);
    assert_int_equal(t->ops[1].b, 32);
    assert_int_equal(t->ops[2].kind, OP_REALLOC);
    assert_int_equal(t->ops[2].a, 4096);
    assert_int_equal(t->ops[2].id, t->ops[0].id);
    assert_int_equal(t->ops[2].id2, t->ops[0].id);
    assert_int_equal(t->ops[3].kind, OP_FREE);
    assert_int_equal(t->ops[3].id, t->ops[1].id);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(t->ops[i].flags, 0);
        assert_int_equal(t->ops[i].text, TRACE_NO_TEXT);
        assert_int_equal(t->ops[i].line, i + 1);
        assert_int_equal(t->ops[i].col, 1);
    }
    trace_free(t);
}

static void ids_are_interned_by_name(void **state)
{
    struct trace *t = parse("malloc buf 1\nmalloc $x.1 2\nmalloc _y 3\nfree buf\nfree Buf\n");
    assert_int_equal(t->nids, 4);
    assert_int_equal(t->ops[0].id, t->ops[3].id);
    assert_true(t->ops[4].id != t->ops[0].id);
    assert_string_equal(trace_id_name(t, t->ops[0].id), "buf");
    assert_string_equal(trace_id_name(t, t->ops[1].id), "$x.1");
    assert_string_equal(trace_id_name(t, t->ops[2].id), "_y");
    assert_string_equal(trace_id_name(t, t->ops[4].id), "Buf");
    assert_string_equal(trace_id_name(t, 99), "?");
    assert_string_equal(trace_id_name(t, TRACE_NO_ID), "?");
    trace_free(t);
}

static void many_ids_survive_table_growth(void **state)
{
    size_t cap = 3000 * 24, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "malloc blk%d %d\n", i, i + 1);
    for (int i = 0; i < 3000; i += 7)
        n += (size_t)snprintf(buf + n, cap - n, "free blk%d\n", i);
    struct trace *t = parse(buf);
    free(buf);
    assert_int_equal(t->nids, 3000);
    for (size_t k = 3000; k < t->nops; k++) {
        uint32_t id = t->ops[k].id;
        char want[16];
        snprintf(want, sizeof want, "blk%zu", (k - 3000) * 7);
        assert_string_equal(trace_id_name(t, id), want);
        assert_int_equal(t->ops[id].id, id);
    }
    trace_free(t);
}

static void a_bad_id_is_an_error(void **state)
{
    expect_error("malloc a-b 4\n", 1, 8, "a-b", "expected an id");
    expect_error("free 12\n", 1, 6, "12", "a number is never an id");
    expect_error("malloc\n", 1, 7, "", "expected an id, got end of line");
    expect_error("calloc @x 1 1\n", 1, 8, "@x", "expected an id");
}

static void read_write_defaults_length_to_one(void **state)
{
    struct trace *t = parse("read a 16 8\nwrite a 0\nwrite a 1K 2K\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->ops[0].kind, OP_READ);
    assert_int_equal(t->ops[0].a, 16);
    assert_int_equal(t->ops[0].b, 8);
    assert_int_equal(t->ops[0].flags, 0);
    assert_int_equal(t->ops[1].kind, OP_WRITE);
    assert_int_equal(t->ops[1].a, 0);
    assert_int_equal(t->ops[1].b, 1);
    assert_int_equal(t->ops[2].a, 1024);
    assert_int_equal(t->ops[2].b, 2048);
    assert_string_equal(trace_id_name(t, t->ops[1].id), "a");
    trace_free(t);
}

static void a_number_after_read_is_a_raw_address(void **state)
{
    struct trace *t = parse("read 0x10 4\nwrite 0xd0001000\nread 4096\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->nids, 0);
    assert_int_equal(t->ops[0].kind, OP_READ);
    assert_true(t->ops[0].flags & OP_F_RAW);
    assert_int_equal(t->ops[0].id, TRACE_NO_ID);
    assert_hex_equal(t->ops[0].a, 0x10);
    assert_int_equal(t->ops[0].b, 4);
    assert_int_equal(t->ops[1].kind, OP_WRITE);
    assert_true(t->ops[1].flags & OP_F_RAW);
    assert_hex_equal(t->ops[1].a, 0xd0001000);
    assert_int_equal(t->ops[1].b, 1);
    assert_hex_equal(t->ops[2].a, 4096);
    trace_free(t);
}

static void read_errors_name_what_was_expected(void **state)
{
    expect_error("read a\n", 1, 7, "", "expected an offset, got end of line");
    expect_error("read a x\n", 1, 8, "x", "expected an offset, got 'x'");
    expect_error("write 0x10 4 5\n", 1, 14, "5", "unexpected '5'");
    expect_error("read 0xffffffffffffffff 2\n", 1, 25, "2", "size out of range");
    expect_error("write -1\n", 1, 7, "-1", "expected an id or an address");
    expect_error("read a 0 0x2000000000\n", 1, 10, "0x2000000000", "size out of range");
}

static void say_keeps_the_rest_of_the_line(void **state)
{
    struct trace *t = parse("say One small # not a comment\nsay  two  spaces\t\n"
                            "say\ttab\nsay\n\tsay x\r\n");
    assert_int_equal(t->nops, 5);
    assert_int_equal(t->ops[0].kind, OP_SAY);
    assert_string_equal(trace_text(t, t->ops[0].text), "One small # not a comment");
    assert_string_equal(trace_text(t, t->ops[1].text), " two  spaces\t");
    assert_string_equal(trace_text(t, t->ops[2].text), "tab");
    assert_string_equal(trace_text(t, t->ops[3].text), "");
    assert_string_equal(trace_text(t, t->ops[4].text), "x");
    assert_int_equal(t->ops[4].col, 2);
    assert_int_equal(t->ops[0].id, TRACE_NO_ID);
    trace_free(t);
}

static void tabs_and_spaces_separate_tokens(void **state)
{
    struct trace *t = parse("\t malloc\t\ta \t 0x20\t\n");
    assert_int_equal(t->nops, 1);
    assert_int_equal(t->ops[0].a, 32);
    assert_int_equal(t->ops[0].col, 3);
    trace_free(t);
}

static void crlf_line_endings_are_accepted(void **state)
{
    struct trace *t = parse("ram 16M\r\n# c\r\n\r\nmalloc a 100\r\nfree a\r\nsay hi\r\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->ops[1].line, 5);
    assert_string_equal(trace_text(t, t->ops[2].text), "hi");
    trace_free(t);
}

static void last_line_without_newline_is_parsed(void **state)
{
    struct trace *t = parse("malloc a 1\nfree a");
    assert_int_equal(t->nops, 2);
    trace_free(t);
}

static void unknown_directive_is_an_error(void **state)
{
    expect_error("malloc a 1\n\n  mallco b 2\n", 3, 3, "mallco", "unknown directive 'mallco'");
    expect_error("sayhello\n", 1, 1, "sayhello", "unknown directive");
}

static void missing_or_extra_arguments_are_errors(void **state)
{
    expect_error("malloc a\n", 1, 9, "", "expected a size, got end of line");
    expect_error("malloc a # c\n", 1, 10, "", "expected a size, got end of line");
    expect_error("free a b\n", 1, 8, "b", "unexpected 'b', expected end of line");
    expect_error("ram 16M 1\n", 1, 9, "1", "expected end of line");
    expect_error("calloc a 4\n", 1, 11, "", "expected a size");
}

static void a_size_that_is_not_a_number_is_an_error(void **state)
{
    expect_error("malloc a abc\n", 1, 10, "abc", "expected a size, got 'abc'");
    expect_error("malloc a 0x\n", 1, 10, "0x", "expected a size, got '0x'");
    expect_error("malloc a 12Q\n", 1, 10, "12Q", "expected a size");
    expect_error("malloc a 0xg\n", 1, 10, "0xg", "expected a size");
    expect_error("ram K\n", 1, 5, "K", "expected a RAM size");
}

static void numbers_beyond_64_bits_are_errors(void **state)
{
    expect_error("malloc a 18446744073709551616\n", 1, 10, "18446744073709551616",
                 "number too large");
    expect_error("read 0x10000000000000000\n", 1, 6, "0x10000000000000000", "number too large");
    expect_error("ram 0xffffffffffffffffK\n", 1, 5, "0xffffffffffffffffK", "number too large");
    struct trace *t = parse("read 18446744073709551615\n");
    assert_hex_equal(t->ops[0].a, UINT64_MAX);
    trace_free(t);
}

/* A size no RAM can give is what a real allocator refuses (NULL): the
 * program's request, parsed as it is, failed at replay, never bad input. */
static void sizes_any_allocator_refuses_are_requests_not_errors(void **state)
{
    struct trace *t = parse("malloc a 0xffffffffffffffff\ncalloc b 0x100000000 0x100000000\n"
                            "realloc a 0x2000000000000\nread a 0xffffffffffffffff 8\n"
                            "invlpg a 0x1000000000000\nmalloc z 0\ncalloc y 0 0\n");
    assert_int_equal(t->nops, 7);
    assert_hex_equal(t->ops[0].a, UINT64_MAX);
    assert_hex_equal(t->ops[1].a, UINT64_C(0x100000000));
    assert_hex_equal(t->ops[1].b, UINT64_C(0x100000000));
    assert_hex_equal(t->ops[2].a, UINT64_C(0x2000000000000));
    assert_hex_equal(t->ops[3].a, UINT64_MAX);
    assert_hex_equal(t->ops[4].a, UINT64_C(0x1000000000000));
    assert_int_equal(t->ops[5].a, 0);
    trace_free(t);
    /* What no program can write stays an error: more than 64 bits, bytes
     * past the end of the address space, a copy longer than any RAM. */
    expect_error("malloc a 0x10000000000000000\n", 1, 10, "0x10000000000000000", "64 bits");
    expect_error("read 0xfffffffffffff000 0x2000\n", 1, 25, "0x2000", "past 2^64");
    expect_error("malloc a 1\nread a 0 0x1000000001\n", 2, 10, "0x1000000001", "size out of range");
}

/* Columns are exact however long the line: an operation past column 65535
 * keeps its column (it was cut to 65535). */
static void columns_past_65535_are_exact(void **state)
{
    size_t pad = 70000;
    char *s = malloc(pad + 64);
    assert_non_null(s);
    memset(s, ' ', pad);
    strcpy(s + pad, "malloc a 1\n");
    struct trace *t = parse(s);
    assert_int_equal(t->ops[0].col, pad + 1);
    trace_free(t);
    free(s);
}

static void escape_makes_trace_text_safe_for_a_terminal(void **state)
{
    char out[128];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain text, \\ kept", "plain text, \\ kept"},
        {"\x1b]0;title\x07", "\\x1b]0;title\\x07"},
        {"a\rb\nc\td\x0b\x7f", "a\\rb\\nc\\td\\x0b\\x7f"},
        {"csi \xc2\x9b nbsp \xc2\xa0", "csi \\xc2\\x9b nbsp \xc2\xa0"}, /* C1 vs U+00A0 */
        {"caf\xe9 \xff \xc3", "caf\\xe9 \\xff \\xc3"},                  /* not UTF-8 */
        {"\xf0\x9f\x98\x80 \xe2\x82\xac", "\xf0\x9f\x98\x80 \xe2\x82\xac"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = trace_escape(out, sizeof out, cases[i].in, strlen(cases[i].in));
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
    /* Never cuts an escape or a character in two. */
    assert_int_equal(trace_escape(out, 6,
                                  "ab\x1b"
                                  "cd",
                                  5),
                     2);
    assert_string_equal(out, "ab");
    assert_int_equal(trace_escape(out, 4, "a\xe2\x82\xac", 4), 1);
    assert_string_equal(out, "a");
    assert_int_equal(trace_escape(out, 1, "abc", 3), 0);
    assert_string_equal(out, "");
    assert_int_equal(trace_escape(NULL, 0, "abc", 3), 0);
}

static void nul_byte_is_an_error(void **state)
{
    static const char s[] = "malloc a 1\nfree\0 a\n";
    expect_error_at(s, sizeof s - 1, 2, 5, "\\0", "NUL byte", __FILE__, __LINE__);
}

static void invalid_utf8_is_an_error_and_valid_utf8_is_kept(void **state)
{
    expect_error("say caf\xc3\n", 1, 8, "\\xC3", "invalid UTF-8");
    expect_error("# \xff\n", 1, 3, "\\xFF", "invalid UTF-8");
    expect_error("say \xc0\xaf\n", 1, 5, "\\xC0", "invalid UTF-8");         /* overlong */
    expect_error("say \xed\xa0\x80\n", 1, 5, "\\xED", "invalid UTF-8");     /* surrogate */
    expect_error("say \xf4\x90\x80\x80\n", 1, 5, "\\xF4", "invalid UTF-8"); /* > U+10FFFF */
    struct trace *t =
        parse("# caf\xc3\xa9 \xe2\x82\xac\nsay \xf0\x9f\x98\x80 d\xc3\xa9j\xc3\xa0\n");
    assert_string_equal(trace_text(t, t->ops[0].text), "\xf0\x9f\x98\x80 d\xc3\xa9j\xc3\xa0");
    trace_free(t);
}

static void byte_order_mark_is_skipped(void **state)
{
    struct trace *t = parse("\xEF\xBB\xBFram 32M\nmalloc a 1\n");
    assert_hex_equal(t->cfg.ram, 32u << 20);
    trace_free(t);
}

static void a_one_megabyte_line_is_handled(void **state)
{
    size_t n = (1u << 20) + 16;
    char *s = malloc(n + 32);
    assert_non_null(s);
    memcpy(s, "say ", 4);
    memset(s + 4, 'x', n - 4);
    memcpy(s + n, "\nmalloc a 1\n", 13);
    struct trace *t = parse(s);
    assert_int_equal(t->nops, 2);
    assert_int_equal(strlen(trace_text(t, t->ops[0].text)), n - 4);
    trace_free(t);
    /* A 1 MB id is an id like any other. */
    memcpy(s, "free ", 5);
    memset(s + 5, 'y', n - 5);
    memcpy(s + n, "\n", 2);
    t = parse(s);
    assert_int_equal(strlen(trace_id_name(t, 0)), n - 5);
    trace_free(t);
    free(s);
}

static void a_line_longer_than_16m_is_a_clean_error(void **state)
{
    size_t n = (17u << 20);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, 'a', n);
    s[n] = '\0';
    struct trace_error e;
    struct trace *t = trace_parse(s, n, "big", &e);
    assert_null(t);
    assert_int_equal(e.line, 1);
    assert_non_null(strstr(e.msg, "line too long"));
    /* The same through a stream. */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    rewind(f);
    t = trace_load_stream(f, "big", &e);
    assert_null(t);
    assert_int_equal(e.line, 1);
    assert_non_null(strstr(e.msg, "line too long"));
    fclose(f);
    free(s);
}

static void error_lines_count_blank_and_comment_lines(void **state)
{
    expect_error("\n\n# c\n\nmalloc a 1\n\nfree\n", 7, 5, "", "expected an id");
}

static void streaming_gives_the_same_trace_as_parsing_memory(void **state)
{
    /* Enough lines that many straddle the 64 KiB read blocks. */
    size_t cap = 1 << 21, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s, cap, "ram 64M\npaging pae\n");
    for (int i = 0; n < cap - 100; i++)
        n += (size_t)snprintf(s + n, cap - n, "malloc b%d %d\nwrite b%d %d 3 # c\nsay step %d\n",
                              i % 1000, i + 1, i % 1000, i % 97, i);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    rewind(f);
    struct trace_error e;
    struct trace *a = trace_parse(s, n, "mem", &e);
    struct trace *b = trace_load_stream(f, "file", &e);
    fclose(f);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->nops, b->nops);
    assert_int_equal(a->nids, b->nids);
    assert_true(a->nops > 50000);
    for (size_t i = 0; i < a->nops; i++) {
        assert_int_equal(a->ops[i].kind, b->ops[i].kind);
        assert_int_equal(a->ops[i].line, b->ops[i].line);
        assert_int_equal(a->ops[i].id, b->ops[i].id);
        assert_int_equal(a->ops[i].a, b->ops[i].a);
        assert_int_equal(a->ops[i].b, b->ops[i].b);
        assert_string_equal(trace_text(a, a->ops[i].text), trace_text(b, b->ops[i].text));
    }
    assert_string_equal(b->name, "file");
    trace_free(a);
    trace_free(b);
    free(s);
}

static void loading_a_missing_file_is_an_error(void **state)
{
    struct trace_error e;
    struct trace *t = trace_load("/nonexistent/dir/x.trace", &e);
    assert_null(t);
    assert_int_equal(e.line, 0);
    assert_string_equal(e.token, "/nonexistent/dir/x.trace");
    assert_non_null(strstr(e.msg, "cannot open"));
}

static void loading_a_file_records_its_path(void **state)
{
    char path[] = "/tmp/pagesim-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("paging long\nmalloc a 1\n", f);
    fclose(f);
    struct trace_error e;
    struct trace *t = trace_load(path, &e);
    remove(path);
    assert_non_null(t);
    assert_string_equal(t->name, path);
    assert_int_equal(t->cfg.paging, PAGING_LONG);
    assert_int_equal(t->nops, 1);
    trace_free(t);
}

static void number_parse_follows_the_native_rules(void **state)
{
    uint64_t v = 7;
    assert_true(trace_number_parse("0", false, &v));
    assert_int_equal(v, 0);
    assert_true(trace_number_parse("0x1F", false, &v));
    assert_int_equal(v, 31);
    assert_true(trace_number_parse("0XfF", false, &v));
    assert_int_equal(v, 255);
    assert_true(trace_number_parse("4K", true, &v));
    assert_int_equal(v, 4096);
    assert_true(trace_number_parse("3M", true, &v));
    assert_int_equal(v, 3u << 20);
    assert_true(trace_number_parse("0x2G", true, &v));
    assert_hex_equal(v, UINT64_C(2) << 30);
    assert_true(trace_number_parse("18446744073709551615", false, &v));
    assert_hex_equal(v, UINT64_MAX);
    v = 7;
    assert_false(trace_number_parse("4K", false, &v));
    assert_false(trace_number_parse("", true, &v));
    assert_false(trace_number_parse("K", true, &v));
    assert_false(trace_number_parse("0x", true, &v));
    assert_false(trace_number_parse("-1", true, &v));
    assert_false(trace_number_parse(" 1", true, &v));
    assert_false(trace_number_parse("1 ", true, &v));
    assert_false(trace_number_parse("18446744073709551616", true, &v));
    assert_false(trace_number_parse("17179869184G", true, &v));
    assert_false(trace_number_parse("0x10000000000000000", true, &v));
    assert_false(trace_number_parse(NULL, true, &v));
    assert_int_equal(v, 7); /* unchanged on failure */
}

static void paging_parse_and_names_round_trip(void **state)
{
    enum paging_mode pg = PAGING_LONG;
    assert_true(trace_paging_parse("32", &pg));
    assert_int_equal(pg, PAGING_32);
    assert_true(trace_paging_parse("pse", &pg));
    assert_int_equal(pg, PAGING_PSE);
    assert_true(trace_paging_parse("pae", &pg));
    assert_int_equal(pg, PAGING_PAE);
    assert_true(trace_paging_parse("long", &pg));
    assert_int_equal(pg, PAGING_LONG);
    assert_false(trace_paging_parse("PAE", &pg));
    assert_false(trace_paging_parse("64", &pg));
    assert_false(trace_paging_parse("", &pg));
    assert_false(trace_paging_parse(NULL, &pg));
    assert_int_equal(pg, PAGING_LONG);
    static const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        enum paging_mode back;
        assert_true(trace_paging_parse(trace_paging_name(modes[i]), &back));
        assert_int_equal(back, modes[i]);
    }
    assert_false(trace_paging_parse("off", &pg));
    assert_string_equal(trace_paging_name(PAGING_OFF), "?");
}

static void names_of_ops_and_formats(void **state)
{
    static const char *const want[] = {"malloc", "calloc", "realloc", "free",   "read",
                                       "write",  "say",    "protect", "invlpg", "cr3",
                                       "cr0",    "cr4",    "exec"};
    assert_int_equal(sizeof want / sizeof want[0], OP_KIND_COUNT);
    for (int k = 0; k < OP_KIND_COUNT; k++)
        assert_string_equal(trace_op_name((enum op_kind)k), want[k]);
    assert_string_equal(trace_format_name(TRACE_NATIVE), "native");
    assert_string_equal(trace_format_name(TRACE_MTRACE), "mtrace");
    assert_string_equal(trace_text(NULL, 0), "");
}

/* --- the lesson directives --- */

static void old_op_kinds_keep_their_numbers(void **state)
{
    assert_int_equal(OP_MALLOC, 0);
    assert_int_equal(OP_WRITE, 5);
    assert_int_equal(OP_SAY, 6);
    assert_int_equal(OP_PROTECT, 7);
}

static void protect_takes_an_id_or_a_range_and_its_modifiers(void **state)
{
    struct trace *t = parse("malloc a 100\nprotect a ro\nprotect a rw noinvlpg\n"
                            "protect 0xd0000000 0x2000 ro noinvlpg\nprotect 4096 1 rw\n");
    assert_int_equal(t->nops, 5);
    assert_int_equal(t->ops[1].kind, OP_PROTECT);
    assert_string_equal(trace_id_name(t, t->ops[1].id), "a");
    assert_int_equal(t->ops[1].flags, OP_F_RO);
    assert_int_equal(t->ops[1].a, 0);
    assert_int_equal(t->ops[1].b, 0);
    assert_int_equal(t->ops[2].flags, OP_F_NOINVLPG);
    assert_int_equal(t->ops[3].flags, OP_F_RAW | OP_F_RO | OP_F_NOINVLPG);
    assert_hex_equal(t->ops[3].a, 0xd0000000);
    assert_hex_equal(t->ops[3].b, 0x2000);
    assert_int_equal(t->ops[3].id, TRACE_NO_ID);
    assert_int_equal(t->ops[4].flags, OP_F_RAW);
    assert_int_equal(t->ops[4].a, 4096);
    assert_int_equal(t->ops[4].b, 1);
    trace_free(t);
}

static void protect_errors_name_the_token(void **state)
{
    expect_error("protect a rx\n", 1, 11, "rx", "expected ro or rw, got 'rx'");
    expect_error("protect a\n", 1, 10, "", "expected ro or rw, got end of line");
    expect_error("protect a ro flush\n", 1, 14, "flush", "expected 'noinvlpg' or end of line");
    expect_error("protect a ro noinvlpg x\n", 1, 23, "x", "unexpected 'x'");
    expect_error("protect 0x1000 ro\n", 1, 16, "ro", "expected a length, got 'ro'");
    expect_error("protect 0x1000 0 ro\n", 1, 16, "0", "size out of range");
    expect_error("protect 0x1000\n", 1, 15, "", "expected a length, got end of line");
    expect_error("protect 0xffffffffffffffff 2 ro\n", 1, 28, "2", "runs past 2^64");
    expect_error("protect\n", 1, 8, "", "expected an id or an address");
    expect_error("protect -a ro\n", 1, 9, "-a", "expected an id or an address");
}

static void invlpg_takes_an_id_with_offset_or_an_address(void **state)
{
    struct trace *t = parse("invlpg a\ninvlpg a 0x1000\ninvlpg 0xc0100000\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->ops[0].kind, OP_INVLPG);
    assert_int_equal(t->ops[0].a, 0);
    assert_int_equal(t->ops[0].flags, 0);
    assert_hex_equal(t->ops[1].a, 0x1000);
    assert_int_equal(t->ops[2].flags, OP_F_RAW);
    assert_hex_equal(t->ops[2].a, 0xc0100000);
    trace_free(t);
    expect_error("invlpg\n", 1, 7, "", "expected an id or an address, got end of line");
    expect_error("invlpg 0x1000 4\n", 1, 15, "4", "unexpected '4'");
    expect_error("invlpg a b\n", 1, 10, "b", "expected an offset, got 'b'");
}

static void control_register_directives_are_recorded(void **state)
{
    struct trace *t = parse("cr3 reload\ncr0 wp on\ncr0 wp off\ncr4 pge on\ncr4 pge off\n");
    assert_int_equal(t->nops, 5);
    assert_int_equal(t->ops[0].kind, OP_CR3_RELOAD);
    assert_int_equal(t->ops[1].kind, OP_CR0_WP);
    assert_int_equal(t->ops[1].a, 1);
    assert_int_equal(t->ops[2].kind, OP_CR0_WP);
    assert_int_equal(t->ops[2].a, 0);
    assert_int_equal(t->ops[3].kind, OP_CR4_PGE);
    assert_int_equal(t->ops[3].a, 1);
    assert_int_equal(t->ops[4].a, 0);
    trace_free(t);
}

static void control_register_errors_name_the_token(void **state)
{
    expect_error("cr3 load\n", 1, 5, "load", "expected reload, got 'load'");
    expect_error("cr3\n", 1, 4, "", "expected reload, got end of line");
    expect_error("cr3 reload now\n", 1, 12, "now", "unexpected 'now'");
    expect_error("cr0 pg on\n", 1, 5, "pg", "expected wp, got 'pg'");
    expect_error("cr0 wp 1\n", 1, 8, "1", "expected on or off, got '1'");
    expect_error("cr4 pge\n", 1, 8, "", "expected on or off, got end of line");
    expect_error("cr4 pae on\n", 1, 5, "pae", "expected pge, got 'pae'");
    expect_error("cr2 x\n", 1, 1, "cr2", "unknown directive 'cr2'");
}

static void lesson_directives_are_operations_not_configuration(void **state)
{
    expect_error("cr3 reload\nram 16M\n", 2, 1, "ram", "configuration line after");
    struct trace *t = parse("ram 16M\nprotect 0x1000 1 ro\n");
    assert_int_equal(t->nops, 1);
    trace_free(t);
}

static void user_modifier_marks_a_cpl3_access(void **state)
{
    struct trace *t = parse("read a 0 user\nwrite a 8 4 user\nread 0xd0000000 user\n"
                            "write 0x10 2 user\nread a 0 4\n");
    assert_int_equal(t->nops, 5);
    assert_int_equal(t->ops[0].flags, OP_F_USER);
    assert_int_equal(t->ops[0].b, 1);
    assert_int_equal(t->ops[1].flags, OP_F_USER);
    assert_int_equal(t->ops[1].a, 8);
    assert_int_equal(t->ops[1].b, 4);
    assert_int_equal(t->ops[2].flags, OP_F_USER | OP_F_RAW);
    assert_int_equal(t->ops[2].b, 1);
    assert_int_equal(t->ops[3].flags, OP_F_USER | OP_F_RAW);
    assert_int_equal(t->ops[3].b, 2);
    assert_int_equal(t->ops[4].flags, 0);
    trace_free(t);
    expect_error("read a 0 usr\n", 1, 10, "usr", "expected a length or 'user', got 'usr'");
    expect_error("read a 0 4 kernel\n", 1, 12, "kernel", "expected 'user' or end of line");
    expect_error("read a 0 user 4\n", 1, 15, "4", "unexpected '4'");
}

static void exec_is_a_one_byte_fetch(void **state)
{
    struct trace *t = parse("exec f 16\nexec 0xc0100000\nexec f 0 user\n");
    assert_int_equal(t->nops, 3);
    assert_int_equal(t->ops[0].kind, OP_EXEC);
    assert_int_equal(t->ops[0].a, 16);
    assert_int_equal(t->ops[0].b, 1);
    assert_int_equal(t->ops[1].flags, OP_F_RAW);
    assert_int_equal(t->ops[1].b, 1);
    assert_int_equal(t->ops[2].flags, OP_F_USER);
    trace_free(t);
    expect_error("exec f 0 4\n", 1, 10, "4", "expected 'user' or end of line");
    expect_error("exec f\n", 1, 7, "", "expected an offset, got end of line");
    expect_error("exec\n", 1, 5, "", "expected an id or an address");
}

static void an_error_token_is_truncated_safely(void **state)
{
    char s[256];
    memcpy(s, "malloc a ", 9);
    memset(s + 9, 'z', 200);
    memcpy(s + 209, "\n", 2);
    struct trace_error e;
    assert_null(trace_parse(s, strlen(s), "t", &e));
    assert_int_equal(strlen(e.token), sizeof e.token - 1);
    assert_int_equal(e.col, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_input_is_a_native_trace_with_no_ops),
        cmocka_unit_test(comments_and_blank_lines_are_ignored),
        cmocka_unit_test(defaults_hold_without_configuration_lines),
        cmocka_unit_test(ram_takes_suffixes_and_hex),
        cmocka_unit_test(ram_of_zero_is_an_error),
        cmocka_unit_test(ram_not_a_multiple_of_4k_is_an_error),
        cmocka_unit_test(ram_above_64g_is_an_error),
        cmocka_unit_test(paging_accepts_the_four_modes),
        cmocka_unit_test(unknown_paging_mode_is_an_error),
        cmocka_unit_test(tlb_sets_entries_and_ways),
        cmocka_unit_test(tlb_geometry_nonsense_is_an_error),
        cmocka_unit_test(reserve_records_start_and_length_from_end),
        cmocka_unit_test(many_reserves_grow_the_array),
        cmocka_unit_test(reserve_end_not_above_start_is_an_error),
        cmocka_unit_test(identity_records_range_and_label),
        cmocka_unit_test(identity_overflowing_or_empty_is_an_error),
        cmocka_unit_test(configuration_after_an_operation_is_an_error),
        cmocka_unit_test(allocation_operations_are_recorded),
        cmocka_unit_test(ids_are_interned_by_name),
        cmocka_unit_test(many_ids_survive_table_growth),
        cmocka_unit_test(a_bad_id_is_an_error),
        cmocka_unit_test(read_write_defaults_length_to_one),
        cmocka_unit_test(a_number_after_read_is_a_raw_address),
        cmocka_unit_test(read_errors_name_what_was_expected),
        cmocka_unit_test(say_keeps_the_rest_of_the_line),
        cmocka_unit_test(tabs_and_spaces_separate_tokens),
        cmocka_unit_test(crlf_line_endings_are_accepted),
        cmocka_unit_test(last_line_without_newline_is_parsed),
        cmocka_unit_test(unknown_directive_is_an_error),
        cmocka_unit_test(missing_or_extra_arguments_are_errors),
        cmocka_unit_test(a_size_that_is_not_a_number_is_an_error),
        cmocka_unit_test(numbers_beyond_64_bits_are_errors),
        cmocka_unit_test(sizes_any_allocator_refuses_are_requests_not_errors),
        cmocka_unit_test(columns_past_65535_are_exact),
        cmocka_unit_test(escape_makes_trace_text_safe_for_a_terminal),
        cmocka_unit_test(nul_byte_is_an_error),
        cmocka_unit_test(invalid_utf8_is_an_error_and_valid_utf8_is_kept),
        cmocka_unit_test(byte_order_mark_is_skipped),
        cmocka_unit_test(a_one_megabyte_line_is_handled),
        cmocka_unit_test(a_line_longer_than_16m_is_a_clean_error),
        cmocka_unit_test(error_lines_count_blank_and_comment_lines),
        cmocka_unit_test(streaming_gives_the_same_trace_as_parsing_memory),
        cmocka_unit_test(loading_a_missing_file_is_an_error),
        cmocka_unit_test(loading_a_file_records_its_path),
        cmocka_unit_test(number_parse_follows_the_native_rules),
        cmocka_unit_test(paging_parse_and_names_round_trip),
        cmocka_unit_test(names_of_ops_and_formats),
        cmocka_unit_test(old_op_kinds_keep_their_numbers),
        cmocka_unit_test(protect_takes_an_id_or_a_range_and_its_modifiers),
        cmocka_unit_test(protect_errors_name_the_token),
        cmocka_unit_test(invlpg_takes_an_id_with_offset_or_an_address),
        cmocka_unit_test(control_register_directives_are_recorded),
        cmocka_unit_test(control_register_errors_name_the_token),
        cmocka_unit_test(lesson_directives_are_operations_not_configuration),
        cmocka_unit_test(user_modifier_marks_a_cpl3_access),
        cmocka_unit_test(exec_is_a_one_byte_fetch),
        cmocka_unit_test(an_error_token_is_truncated_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
