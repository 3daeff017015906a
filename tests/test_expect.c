/*
 * test_expect.c - the `expect` directive (CONTRACT 2.1, docs/trace-format.md
 * "Checked lessons"): the parser reads every fact into a struct
 * trace_expect attached to the right operation, a bad fact is an input error
 * naming its token, and the timeline checks each fact, holding and failing,
 * as its cursor passes the operation: once, recounted after a step back,
 * with the same results headless, streaming and with checkpoints.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "replay/expect.h"
#include "replay/timeline.h"
#include "trace/trace.h"
#include "trace_helpers.h"

/* ---------- parsing ---------- */

static void test_parse_forms(void **state)
{
    (void)state;
    struct trace *t = parse("expect frames used 7\n"
                            "say hello\n"
                            "malloc a 100\n"
                            "say after\n"
                            "expect tlb hit\n"
                            "expect tlb miss\n"
                            "expect fault 0x2\n"
                            "expect fault #GP   # a comment\n"
                            "expect nofault\n"
                            "expect stale\n"
                            "expect pa 0xd0000000 0x107000\n"
                            "expect pa 0x1000 fault\n"
                            "expect frames free 12\n"
                            "expect cr0 0x80000011\n"
                            "expect cr2 0x10\n"
                            "expect cr3 0x105000\n"
                            "expect cr4 0x80\n"
                            "expect efer 0x900\n"
                            "expect tlb holds 0xd0000000\n"
                            "expect tlb lacks 0xe0000000\n"
                            "expect heap live 1\n"
                            "expect faults 3\n");
    assert_int_equal(t->nops, 3); /* expect lines are no operations */
    assert_int_equal(t->nexpects, 19);
    const struct trace_expect *e = t->expects;
    assert_int_equal(e[0].kind, EXPECT_FRAMES_USED);
    assert_int_equal(e[0].a, 7);
    assert_int_equal(e[0].op, 0); /* before any operation: the boot */
    assert_int_equal(e[0].say, 0);
    assert_int_equal(e[1].kind, EXPECT_TLB_HIT);
    assert_int_equal(e[1].op, 2);  /* the malloc, not the say after it */
    assert_int_equal(e[1].say, 3); /* the last caption before the line */
    assert_int_equal(e[1].line, 5);
    assert_int_equal(e[1].col, 8);
    assert_string_equal(expect_fact_text(t, &e[1]), "tlb hit");
    assert_int_equal(e[2].kind, EXPECT_TLB_MISS);
    assert_int_equal(e[3].kind, EXPECT_FAULT_PF);
    assert_int_equal(e[3].a, 2);
    assert_int_equal(e[4].kind, EXPECT_FAULT_GP);
    assert_string_equal(expect_fact_text(t, &e[4]), "fault #GP");
    assert_int_equal(e[5].kind, EXPECT_NOFAULT);
    assert_int_equal(e[6].kind, EXPECT_STALE);
    assert_int_equal(e[7].kind, EXPECT_PA);
    assert_int_equal(e[7].a, 0xd0000000u);
    assert_int_equal(e[7].b, 0x107000u);
    assert_int_equal(e[8].kind, EXPECT_PA_FAULT);
    assert_int_equal(e[9].kind, EXPECT_FRAMES_FREE);
    static const uint8_t regs[] = {EXPECT_CR0, EXPECT_CR2, EXPECT_CR3, EXPECT_CR4, EXPECT_EFER};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(e[10 + i].kind, EXPECT_REG);
        assert_int_equal(e[10 + i].reg, regs[i]);
    }
    assert_int_equal(e[14].a, 0x900);
    assert_int_equal(e[15].kind, EXPECT_TLB_HOLDS);
    assert_int_equal(e[16].kind, EXPECT_TLB_LACKS);
    assert_int_equal(e[17].kind, EXPECT_HEAP_LIVE);
    assert_int_equal(e[18].kind, EXPECT_FAULTS);
    assert_int_equal(e[18].a, 3);
    trace_free(t);
}

static void bad(const char *text, unsigned line, unsigned col, const char *token, const char *msg)
{
    struct trace_error err;
    struct trace *t = trace_parse(text, strlen(text), "bad.trace", &err);
    assert_null(t);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_string_equal(err.token, token);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, msg);
}

static void test_parse_errors(void **state)
{
    (void)state;
    bad("malloc a 1\nexpect\n", 2, 7, "", "expected a fact");
    bad("expect tlbs hit\n", 1, 8, "tlbs", "unknown fact 'tlbs'");
    bad("expect tlb hot\n", 1, 12, "hot", "expected hit, miss, holds or lacks");
    bad("expect tlb holds\n", 1, 17, "", "expected an address, got end of line");
    bad("expect fault\n", 1, 13, "", "expected an error code or #GP");
    bad("expect fault #PF\n", 1, 14, "#PF", "expected an error code or #GP");
    bad("expect fault 0x1FFFFFFFF\n", 1, 14, "0x1FFFFFFFF", "wider than 32 bits");
    bad("expect nofault 3\n", 1, 16, "3", "unexpected '3'");
    bad("expect pa 0x1000 nowhere\n", 1, 18, "nowhere", "expected a physical address or fault");
    bad("expect frames many 3\n", 1, 15, "many", "expected used or free");
    bad("expect heap dead 3\n", 1, 13, "dead", "expected live");
    bad("expect faults x\n", 1, 15, "x", "expected a number of faults");
    bad("expect cr3\n", 1, 11, "", "expected a register value");
}

/* ---------- checking ---------- */

struct seen {
    unsigned n;
    unsigned line[64];
    bool ok[64];
    char found[64][192];
};

static void on_expect(void *ctx, const struct trace *t, const struct trace_expect *e, bool ok,
                      const char *found)
{
    (void)t;
    struct seen *s = ctx;
    assert_true(s->n < 64);
    s->line[s->n] = e->line;
    s->ok[s->n] = ok;
    snprintf(s->found[s->n], sizeof s->found[0], "%s", found);
    s->n++;
}

static struct timeline *make(const struct trace *t, unsigned flags, struct seen *s)
{
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    if (s != NULL) {
        p.expect = on_expect;
        p.expect_ctx = s;
    }
    p.checkpoint_every = 2;
    struct trace_error err;
    struct timeline *tl = timeline_create(t, NULL, &p, &err);
    assert_non_null(tl);
    return tl;
}

/* Each form once holding, once failing, on lines 1..; the failing ones on
 * even lines. */
static const char form_trace[] = "paging 32\n"                     /* 1 */
                                 "expect frames used 7\n"          /* 2 ok */
                                 "expect frames used 8\n"          /* 3 fail */
                                 "cr0 wp on\n"                     /* 4 */
                                 "expect cr0 0x80010011\n"         /* 5 ok */
                                 "expect cr0 0x80000011\n"         /* 6 fail */
                                 "malloc a 100\n"                  /* 7 */
                                 "expect tlb hit\n"                /* 8 ok */
                                 "expect tlb miss\n"               /* 9 fail */
                                 "expect nofault\n"                /* 10 ok */
                                 "expect fault 0x0\n"              /* 11 fail */
                                 "expect tlb holds 0xd0000000\n"   /* 12 ok */
                                 "expect tlb lacks 0xd0000000\n"   /* 13 fail */
                                 "expect heap live 1\n"            /* 14 ok */
                                 "expect heap live 2\n"            /* 15 fail */
                                 "expect pa 0xd0000000 0x107000\n" /* 16 ok */
                                 "expect pa 0xd0000000 fault\n"    /* 17 fail */
                                 "expect stale\n"                  /* 18 fail: not stale */
                                 "protect a ro noinvlpg\n"         /* 19 */
                                 "write a 0\n"                     /* 20 */
                                 "expect stale\n"                  /* 21 ok */
                                 "expect tlb hit\n"                /* 22 ok */
                                 "invlpg a\n"                      /* 23 */
                                 "expect tlb lacks 0xd0000000\n"   /* 24 ok */
                                 "write a 0\n"                     /* 25 */
                                 "expect fault 0x3\n"              /* 26 ok */
                                 "expect fault 0x2\n"              /* 27 fail */
                                 "expect fault #GP\n"              /* 28 fail */
                                 "expect nofault\n"                /* 29 fail */
                                 "expect tlb miss\n"               /* 30 ok */
                                 "expect cr2 0xd0000020\n"         /* 31 ok */
                                 "expect faults 1\n"               /* 32 ok */
                                 "expect faults 0\n"               /* 33 fail */
                                 "expect pa 0x40000000 fault\n"    /* 34 ok */
                                 "expect frames free 3831\n"       /* 35 ok */
                                 "expect frames free 1\n"          /* 36 fail */
                                 "expect efer 0x0\n"               /* 37 ok */
                                 "expect cr4 0x80\n";              /* 38 fail */

static const unsigned form_fail[] = {3, 6, 9, 11, 13, 15, 17, 18, 27, 28, 29, 33, 36, 38};

static bool should_fail(unsigned line)
{
    for (size_t i = 0; i < sizeof form_fail / sizeof form_fail[0]; i++) {
        if (form_fail[i] == line)
            return true;
    }
    return false;
}

static void test_check_forms(void **state)
{
    (void)state;
    struct trace *t = parse(form_trace);
    struct seen s = {0};
    struct timeline *tl = make(t, 0, &s);
    timeline_goto(tl, timeline_len(tl));
    assert_int_equal(s.n, t->nexpects);
    for (unsigned i = 0; i < s.n; i++) {
        if (s.ok[i] == should_fail(s.line[i]))
            fail_msg("line %u: %s (found: %s)", s.line[i], s.ok[i] ? "held" : "failed", s.found[i]);
    }
    uint64_t passed, failed;
    timeline_expect_counts(tl, &passed, &failed);
    assert_int_equal(failed, sizeof form_fail / sizeof form_fail[0]);
    assert_int_equal(passed + failed, t->nexpects);
    /* What was found is said in the fact's words. */
    assert_string_equal(s.found[1], "frames used 7");
    assert_string_equal(s.found[4], "tlb hit at 0xd0000000");
    assert_string_equal(s.found[12], "pa 0xd0000000 0x107000");
    assert_string_equal(s.found[14], "not stale at 0xd0000000: the tables agree");
    timeline_destroy(tl);
    trace_free(t);
}

/* Going back forgets the later results; going forward again checks them
 * again, counted once, reported only on the forward moves. */
static void test_back_and_forth(void **state)
{
    (void)state;
    struct trace *t = parse(form_trace);
    static const unsigned flags[] = {0, TIMELINE_NO_CHECKPOINTS};
    for (int f = 0; f < 2; f++) {
        struct seen s = {0};
        struct timeline *tl = make(t, flags[f], &s);
        uint64_t n = timeline_len(tl), passed, failed, p_end, f_end;
        timeline_goto(tl, n);
        timeline_expect_counts(tl, &p_end, &f_end);
        unsigned reported = s.n;
        timeline_goto(tl, 1); /* after cr0 wp on: lines 2..6 checked */
        timeline_expect_counts(tl, &passed, &failed);
        assert_int_equal(passed, 2);
        assert_int_equal(failed, 2);
        assert_int_equal(s.n, reported); /* a step back reports nothing */
        timeline_goto(tl, n);
        timeline_expect_counts(tl, &passed, &failed);
        assert_int_equal(passed, p_end);
        assert_int_equal(failed, f_end);
        for (uint64_t k = n; k > 0; k--)
            assert_true(timeline_back(tl));
        timeline_expect_counts(tl, &passed, &failed);
        assert_int_equal(passed, 1); /* the boot's two lines */
        assert_int_equal(failed, 1);
        timeline_destroy(tl);
    }
    trace_free(t);
}

/* The caption's mark: the facts written after its say. */
static void test_caption_mark(void **state)
{
    (void)state;
    struct trace *t = parse("say one\n"
                            "malloc a 100\n"
                            "expect heap live 1\n"
                            "say two\n"
                            "malloc b 100\n"
                            "expect heap live 1\n"
                            "say three\n");
    struct timeline *tl = make(t, 0, NULL);
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_NONE);
    timeline_goto(tl, 1); /* caption one shown, its fact not yet checked */
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_NONE);
    timeline_goto(tl, 2);
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_HOLD);
    timeline_goto(tl, 4);
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_FAIL);
    timeline_goto(tl, 5);
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_NONE); /* no facts */
    timeline_goto(tl, 2);
    assert_int_equal(timeline_caption_mark(tl), TIMELINE_MARK_HOLD);
    timeline_destroy(tl);
    trace_free(t);
}

/* A trace read while it runs: the same results, also for a line that
 * arrives in the next 64 KiB block after the operation it checks. */
static void test_streaming(void **state)
{
    (void)state;
    char path[] = "/tmp/pagesim-expect-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("paging 32\nmalloc a 100\nexpect heap live 1\n", f);
    /* Fill the first block with comments up to just past its end, so that
     * the write is the batch's last op and its expect lines the next's. */
    long pos = ftell(f);
    const char *w = "write a 0\n";
    const char *c = "# ......................................................................\n";
    while (pos + (long)strlen(c) + (long)strlen(w) < 65536) {
        fputs(c, f);
        pos += (long)strlen(c);
    }
    while (pos + (long)strlen(w) < 65536 - 1) {
        fputs("#\n", f);
        pos += 2;
    }
    fputs(w, f);
    fputs("expect tlb hit\nexpect heap live 2\n", f);
    fclose(f);
    struct trace_error err;
    struct trace_reader *r = trace_reader_open(path, 0, &err);
    assert_non_null(r);
    struct seen s = {0};
    struct timeline_params p;
    memset(&p, 0, sizeof p);
    p.flags = TIMELINE_NO_EVENTS;
    p.expect = on_expect;
    p.expect_ctx = &s;
    struct timeline *tl = timeline_create_reader(r, NULL, &p, &err);
    assert_non_null(tl);
    enum timeline_stop why;
    timeline_run(tl, 0, 0, &why, NULL);
    assert_true(timeline_read_all(tl, &err));
    uint64_t passed, failed;
    timeline_expect_counts(tl, &passed, &failed);
    assert_true(timeline_has_expects(tl));
    assert_int_equal(passed, 2);
    assert_int_equal(failed, 1);
    assert_int_equal(s.n, 3);
    assert_true(s.ok[1]);  /* the tlb hit of the block's last op */
    assert_false(s.ok[2]); /* heap live 2 */
    timeline_destroy(tl);
    trace_reader_close(r);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),  cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_check_forms),  cmocka_unit_test(test_back_and_forth),
        cmocka_unit_test(test_caption_mark), cmocka_unit_test(test_streaming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
