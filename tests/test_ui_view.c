/*
 * test_ui_view.c - the view table and the views' format functions, with no
 * terminal at all: a view formats rows with colour roles from the machine
 * at the cursor (ui_format_view), and the generic painter only paints them.
 * The translation view's formatter is pure over the data it is given
 * (translate_format_rows), so it is tested on hand-made walks.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "replay/timeline.h"
#include "sim/x86.h"
#include "trace/trace.h"
#include "ui/ui.h"
#include "ui/view_translate.h"

static const char text[] = "paging 32\n"
                           "ram 16M\n"
                           "malloc a 100\n"
                           "malloc b 5000\n"
                           "write a 0 4\n"
                           "free b\n";

#define MAX_ROWS 64

struct fixture {
    struct trace *t;
    struct timeline *tl;
    struct ui ui;
    struct fmt_line lines[MAX_ROWS]; /* the rows of the last format */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct trace_error err;
    memset(&err, 0, sizeof err);
    f->t = trace_parse(text, strlen(text), "view.trace", &err);
    assert_non_null(f->t);
    f->tl = timeline_create(f->t, NULL, NULL, &err);
    assert_non_null(f->tl);
    assert_true(timeline_goto(f->tl, timeline_len(f->tl)));
    assert_true(ui_state_init(&f->ui, f->tl, "view.trace"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ui_state_free(&f->ui);
    timeline_destroy(f->tl);
    trace_free(f->t);
    free(f);
    return 0;
}

/* Formats view v for a pane of r's size into f->lines; the row count. */
static int format(struct fixture *f, enum ui_view v, const struct ui_rect *r)
{
    return ui_format_view(&f->ui, v, r, true, f->lines, MAX_ROWS);
}

/* Row i (0: the pane's row 1) of the last format. */
static const char *row(const struct fixture *f, int i)
{
    return f->lines[i].text;
}

static int find_row_of(const struct fixture *f, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        if (strstr(row(f, i), what) != NULL)
            return i;
    }
    return -1;
}

static void table_names_every_view_in_key_order(void **state)
{
    (void)state;
    static const char *const titles[VIEW_COUNT] = {"1 Frames", "2 Tables", "3 Translation",
                                                   "4 TLB",    "5 Heap",   "6 Log"};
    for (int v = 0; v < VIEW_COUNT; v++) {
        assert_non_null(ui_views[v]);
        assert_non_null(ui_views[v]->format);
        assert_string_equal(ui_view_title((enum ui_view)v), titles[v]);
    }
    assert_string_equal(ui_view_title(VIEW_COUNT), "?");
}

static void each_view_formats_its_rows_without_a_terminal(void **state)
{
    struct fixture *f = *state;
    struct ui_rect r = {0, 0, 20, 120};
    int n;

    n = format(f, VIEW_TABLES, &r);
    assert_true(n >= 3);
    assert_non_null(strstr(row(f, 0), "CR3 page directory at 0x"));

    n = format(f, VIEW_TLB, &r);
    assert_true(n >= 3);
    assert_non_null(strstr(row(f, 0), " sets x "));
    assert_int_equal(f->lines[0].role[strstr(row(f, 0), "hits") - row(f, 0)], UI_HIT);

    n = format(f, VIEW_HEAP, &r);
    assert_non_null(strstr(row(f, 0), "1 used, 1 free, 0 large; live 100 B"));
    /* counts, header, a's chunk, the free rest of the page (b's chunk
     * merged into it), then the selected chunk under the list */
    assert_non_null(strstr(row(f, 2), " 128 used   a "));
    assert_non_null(strstr(row(f, 3), " free "));
    assert_null(strstr(row(f, 4), "free"));
    assert_non_null(strstr(row(f, n - 2), "block a: 100 B asked at "));
    assert_non_null(strstr(row(f, n - 1), "line 3: malloc a 100"));

    n = format(f, VIEW_LOG, &r);
    assert_string_equal(row(f, 0), "(no caption yet)");
    assert_true(n > 2);

    n = format(f, VIEW_TRANSLATE, &r);
    /* The last access of the last op (free b: the heap's own metadata),
     * as it happened: no fault where none was raised. */
    assert_true(strncmp(row(f, 0), "op 4: heap metadata ", 20) == 0);
    assert_non_null(strstr(row(f, 0), " 0x"));
    assert_true(find_row_of(f, n, "=> frame 0x") > 0);
    assert_int_equal(find_row_of(f, n, "#PF"), -1);

    n = format(f, VIEW_FRAMES, &r);
    assert_non_null(strstr(row(f, 0), "4 frames per cell (16 KiB)"));
    assert_int_equal(n, r.h - 1);                              /* the info rows sit at the bottom */
    assert_non_null(strstr(row(f, n - 1), "1 cell = 16 KiB")); /* the legend */
}

static void rows_stop_at_the_pane(void **state)
{
    struct fixture *f = *state;
    struct ui_rect r = {0, 0, 4, 120}; /* a title and three rows */
    int n;
    for (int v = 0; v < VIEW_COUNT; v++) {
        n = format(f, (enum ui_view)v, &r);
        assert_true(n <= 3);
    }
    r.h = 1; /* the title only */
    for (int v = 0; v < VIEW_COUNT; v++) {
        n = format(f, (enum ui_view)v, &r);
        assert_int_equal(n, 0);
    }
}

static void view_put_blanks_skipped_rows_and_drops_the_rest(void **state)
{
    (void)state;
    struct fmt_line lines[3], l;
    for (int i = 0; i < 3; i++) {
        fmt_line_clear(&lines[i]);
        fmt_put(&lines[i], UI_FAULT, "old %d", i);
    }
    struct view_rows out = {lines, 3, 0, NULL, NULL, 80};
    fmt_line_clear(&l);
    fmt_put(&l, UI_HIT, "third");
    view_put(&out, 3, &l);
    assert_int_equal(out.n, 3);
    assert_string_equal(lines[0].text, "");
    assert_string_equal(lines[1].text, "");
    assert_string_equal(lines[2].text, "third");
    assert_int_equal(lines[2].role[0], UI_HIT);
    view_put(&out, 4, &l); /* past max */
    view_put(&out, 0, &l); /* the title's row is not the view's */
    assert_int_equal(out.n, 3);
}

struct sunk {
    int ys[8];
    int n;
};

static void sink(void *ctx, int y, const struct fmt_line *l)
{
    struct sunk *k = ctx;
    (void)l;
    if (k->n < 8)
        k->ys[k->n++] = y;
}

static void view_put_hands_rows_to_a_sink_as_they_come(void **state)
{
    (void)state;
    struct sunk k = {{0}, 0};
    struct view_rows out = {NULL, 4, 0, sink, &k, 80};
    struct fmt_line l;
    fmt_line_clear(&l);
    view_put(&out, 2, &l);
    view_put(&out, 4, &l);
    view_put(&out, 5, &l); /* past max: not handed on */
    assert_int_equal(k.n, 2);
    assert_int_equal(k.ys[0], 2);
    assert_int_equal(k.ys[1], 4);
    assert_int_equal(out.n, 4);
}

static void keys_and_clicks_go_to_the_view_that_has_them(void **state)
{
    struct fixture *f = *state;
    assert_true(ui_view_key(&f->ui, VIEW_TLB, ACT_DOWN));
    assert_true(ui_view_key(&f->ui, VIEW_TABLES, ACT_SHOW_ALL));
    assert_false(ui_view_key(&f->ui, VIEW_TRANSLATE, ACT_DOWN)); /* it has no keys */
    assert_false(ui_view_key(&f->ui, VIEW_LOG, ACT_ZOOM_IN));
    /* `a` in the tables shows every entry: 1024 in a 32-bit directory. */
    struct ui_rect r = {0, 0, 40, 120};
    int n;
    n = format(f, VIEW_TABLES, &r);
    assert_non_null(strstr(row(f, 0), "all entries"));
    assert_int_equal(n, r.h - 1);
    ui_view_click(&f->ui, VIEW_TRANSLATE, &r, 3, 3); /* no click handler: nothing happens */
}

/* A 32-bit walk of 0x00401234: PDE[1] -> PT at 0x2000, PTE[1] -> frame
 * 0x107000. */
static struct translate_shown shown_32(void)
{
    struct translate_shown s;
    memset(&s, 0, sizeof s);
    s.source = TR_TYPED;
    s.known = true;
    s.cr3 = 0x1000;
    s.pr.va = 0x00401234;
    s.pr.access = MMU_READ;
    s.pr.ok = true;
    s.pr.res.pa = 0x107234;
    s.pr.res.page_size = X86_PAGE_SIZE;
    s.pr.res.nsteps = 2;
    s.pr.res.steps[0] = (struct walk_step){LVL_PDE, 1, 0x1000, 0x1004, 0x2003};
    s.pr.res.steps[1] = (struct walk_step){LVL_PTE, 1, 0x2000, 0x2004, 0x107003};
    s.answer = "";
    return s;
}

static int format_shown(const struct translate_shown *s, int width, struct fmt_line *lines, int max)
{
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct view_rows out = {lines, max, 0, NULL, NULL, width};
    translate_format_rows(&m, 36, s, width, &out);
    return out.n;
}

static int find_row(const struct fmt_line *lines, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        if (strstr(lines[i].text, what) != NULL)
            return i;
    }
    return -1;
}

static void translation_rows_show_split_walk_and_frame(void **state)
{
    (void)state;
    struct fmt_line lines[20];
    struct translate_shown s = shown_32();
    s.op = 4;
    int n = format_shown(&s, 120, lines, 20);
    assert_int_equal(n, 9);
    /* A typed address is a probe, and says so. */
    assert_string_equal(lines[0].text, "probe of 0x401234 at op 4: no A/D, no TLB fill");
    assert_int_equal(lines[0].role[0], UI_TITLE);
    assert_string_equal(lines[1].text, "read, supervisor; the tables as they are now");
    assert_string_equal(lines[2].text, "0000000001|0000000001|001000110100");
    assert_int_equal(lines[2].role[0], UI_FIELD0);
    assert_int_equal(lines[2].role[lines[2].len - 1], UI_FIELD_OFF);
    assert_non_null(strstr(lines[3].text, "offset 11:0 = 564 (0x234)"));
    assert_string_equal(lines[4].text, "TLB holds nothing for this page (a miss)");
    assert_string_equal(lines[5].text, "CR3 -> 0x1000");
    assert_non_null(strstr(lines[6].text, "PDE[1] @0x1004 = 0x00002003 "));
    assert_non_null(strstr(lines[7].text, "  PTE[1] @0x2004 = 0x00107003 "));
    assert_non_null(strstr(lines[7].text, "-> 0x107000"));
    assert_string_equal(lines[8].text,
                        "=> frame 0x107000 + offset 0x234 = pa 0x107234 (4 KiB page)");
    assert_int_equal(lines[8].role[0], UI_HIT);
}

/* The walk of shown_32() as an access record: what happened at op 7. */
static struct translate_shown access_32(void)
{
    struct translate_shown s = shown_32();
    s.source = TR_ACCESS;
    s.op = 7;
    s.program = true;
    struct access_record *a = &s.acc;
    a->valid = true;
    a->program = true;
    a->kind_known = true;
    a->op = 7;
    a->va = 0x00401234;
    a->size = 4;
    a->tlb_looked = true;
    a->nsteps = 2;
    a->steps[0] = (struct access_step){LVL_PDE, 1, 0x1000, 0x1004, 0x2023, 0x2023};
    a->steps[1] = (struct access_step){LVL_PTE, 1, 0x2000, 0x2004, 0x107003, 0x107063};
    a->filled = true;
    a->has_pa = true;
    a->pa = 0x107234;
    a->page_size = X86_PAGE_SIZE;
    a->access = MMU_WRITE;
    return s;
}

static void an_access_shows_the_walk_as_read_and_the_bits_set(void **state)
{
    (void)state;
    struct fmt_line lines[20];
    struct translate_shown s = access_32();
    int n = format_shown(&s, 120, lines, 20);
    assert_string_equal(lines[0].text, "op 7: write 0x401234, 4 bytes (supervisor)");
    assert_string_equal(lines[3].text, "TLB miss: walked the tables, result cached");
    assert_string_equal(lines[4].text, "CR3 -> 0x1000");
    /* As read: A clear on the PTE; then what the walk set. */
    int pte = find_row(lines, n, "PTE[1] @0x2004 = 0x00107003 ");
    assert_true(pte > 0);
    assert_non_null(strstr(lines[pte].text, " set A,D"));
    assert_int_equal(lines[pte].role[lines[pte].len - 1], UI_CHANGED);
    assert_null(strstr(lines[pte - 1].text, " set "));
    assert_int_equal(find_row(lines, n, "#PF"), -1); /* nothing invented */
    assert_non_null(strstr(lines[n - 1].text, "= pa 0x107234 (4 KiB page)"));
}

static void translation_rows_of_a_fault_decode_the_error_code_once(void **state)
{
    (void)state;
    struct fmt_line lines[30];
    struct translate_shown s = access_32();
    struct access_record *a = &s.acc;
    a->user = true;
    a->size = 0;
    a->steps[1].entry = a->steps[1].written = 0x107005; /* P, U/S, read-only */
    a->filled = false;
    a->has_pa = false;
    a->faulted = true;
    a->vector = X86_VEC_PF;
    a->reason = FAULT_WRITE_PROTECT;
    a->error_code = X86_PF_P | X86_PF_W | X86_PF_U;
    a->has_cr2 = true;
    a->cr2 = 0x401234;
    int n = format_shown(&s, 120, lines, 30);
    assert_string_equal(lines[0].text, "op 7: write 0x401234 (user)");
    assert_string_equal(lines[3].text, "TLB miss: walked the tables");
    int pf = find_row(lines, n, "#PF error code 0x7: write to read-only page");
    assert_true(pf > 0);
    assert_int_equal(lines[pf].role[0], UI_FAULT);
    assert_non_null(strstr(lines[pf].text, "CR2=0x401234"));
    assert_non_null(strstr(lines[pf + 1].text, "bit 0"));
    assert_int_equal(n, pf + 6); /* the five bits, once */
    int bit0 = 0;
    for (int i = 0; i < n; i++)
        bit0 += strncmp(lines[i].text, "bit 0", 5) == 0;
    assert_int_equal(bit0, 1);
}

static void a_stale_hit_says_stale_and_what_the_tables_say(void **state)
{
    (void)state;
    struct fmt_line lines[20];
    struct translate_shown s = access_32();
    struct access_record *a = &s.acc;
    a->nsteps = 0;
    a->filled = false;
    a->tlb_hit = true;
    a->tlb_pa = 0x107234;
    a->tlb_size = X86_PAGE_SIZE;
    s.stale = true;
    s.now.fault =
        (struct mmu_fault){X86_VEC_PF, FAULT_WRITE_PROTECT, X86_PF_P | X86_PF_W, 0x401234};
    int n = format_shown(&s, 80, lines, 20);
    int hit = find_row(lines, n, "TLB hit -> 0x107234 (4 KiB page), no walk: STALE");
    assert_true(hit > 0);
    assert_true(find_row(lines, n, "tables in RAM now say: #PF, write to read-only page") > hit);
    assert_int_equal(find_row(lines, n, "#PF error code"), -1); /* the write did not fault */
    assert_int_equal(find_row(lines, n, "CR3"), -1);            /* no walk happened */
    assert_non_null(strstr(lines[n - 1].text, "= pa 0x107234"));
    for (int i = 0; i < n; i++)
        assert_true(lines[i].len <= 80);
}

static void an_operation_without_access_says_so(void **state)
{
    (void)state;
    struct fmt_line lines[20];
    struct translate_shown s = access_32();
    s.source = TR_EARLIER;
    s.op = 9;
    s.op_name = "free";
    format_shown(&s, 80, lines, 20);
    assert_string_equal(lines[0].text, "op 9 (free) made no memory access");
    assert_string_equal(lines[1].text, "last access, op 7: write 0x401234, 4 bytes (supervisor)");
    s.nev = 5;
    s.ev = 2;
    format_shown(&s, 80, lines, 20);
    assert_string_equal(lines[0].text, "op 9 ev 2/5: no memory access yet in this operation");
}

/* Each page size split at its own offset width (SDM figures 4-2..4-10). */
static void every_page_size_is_split_at_its_offset(void **state)
{
    (void)state;
    static const struct {
        enum paging_mode p;
        uint64_t size;
        const char *want, *not ;
    } cases[] = {
        {PAGING_32, UINT64_C(4) << 10, "PDE 31:22 = 2 (0x2) | PTE 21:12 = 0 (0x0) | offset 11:0",
         NULL},
        {PAGING_PSE, UINT64_C(4) << 20, "PDE 31:22 = 2 (0x2) | offset 21:0 = 16 (0x10)",
         "PTE 21:12"},
        {PAGING_PAE, UINT64_C(2) << 20, "PDE 29:21 = 4 (0x4) | offset 20:0 = 16 (0x10)",
         "PTE 20:12"},
        {PAGING_LONG, UINT64_C(1) << 30, "offset 29:0 = 8388624 (0x800010)", "PD 29:21"},
    };
    for (unsigned i = 0; i < 4; i++) {
        struct fmt_mode m = fmt_mode_of(cases[i].p);
        struct fmt_line lines[8];
        struct view_rows out = {lines, 8, 0, NULL, NULL, 120};
        int y = 1;
        translate_fmt_split(&out, &y, &m, cases[i].size, 0x800010, 120);
        bool found = false;
        for (int r = 0; r < out.n; r++) {
            found |= strstr(lines[r].text, cases[i].want) != NULL;
            if (cases[i].not != NULL)
                assert_null(strstr(lines[r].text, cases[i].not ));
        }
        assert_true(found);
    }
    /* Narrow: packed into rows that fit, every field kept. */
    struct fmt_mode m = fmt_mode_of(PAGING_LONG);
    struct fmt_line lines[8];
    struct view_rows out = {lines, 8, 0, NULL, NULL, 40};
    int y = 1;
    translate_fmt_split(&out, &y, &m, X86_PAGE_SIZE, UINT64_C(0xffffc9000000c370), 40);
    int seen = 0;
    for (int r = 0; r < out.n; r++) {
        assert_true(lines[r].len <= 40);
        seen += strstr(lines[r].text, "PML4 47:39=402") != NULL;
        seen += strstr(lines[r].text, "offset 11:0=0x370") != NULL;
    }
    assert_int_equal(seen, 2);
}

/* A long-mode walk row fits the pane, keeping the address it leads to and
 * the bits the walk set; the widest form that fits is chosen. */
static void a_walk_row_fits_its_width(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_LONG);
    struct access_step st = {LVL_PTE,
                             12,
                             0x10c000,
                             0x10c060,
                             UINT64_C(0x8000000000118003),
                             UINT64_C(0x8000000000118063)};
    struct fmt_line l;
    translate_fmt_step(&l, &m, 40, 3, &st, 120);
    assert_string_equal(l.text, "      PTE[12] @0x10c060 = 0x8000000000118003 PW-------X "
                                "-> 0x118000 set A,D");
    static const int widths[] = {70, 59, 40};
    for (unsigned i = 0; i < 3; i++) {
        translate_fmt_step(&l, &m, 40, 3, &st, widths[i]);
        assert_true(l.len <= widths[i]);
        assert_non_null(strstr(l.text, "PTE[12]"));
        assert_non_null(strstr(l.text, "-> 0x118000 set A,D"));
    }
    translate_fmt_step(&l, &m, 40, 3, &st, 59);
    assert_string_equal(l.text, "PTE[12] = 0x8000000000118003 PW-------X -> 0x118000 set A,D");
}

static void an_open_question_hides_the_walk(void **state)
{
    (void)state;
    struct fmt_line lines[20];
    struct translate_shown s = shown_32();
    s.source = TR_QUIZ_TYPED;
    s.quiz = UI_QUIZ_ASKING;
    s.pr.res.page_size = UINT64_C(4) << 20; /* a large page must not show in the split */
    int n = format_shown(&s, 120, lines, 20);
    assert_string_equal(lines[0].text, "quiz: probe of 0x401234 at op 0: no A/D, no TLB fill");
    assert_string_equal(lines[1].text, "read, supervisor; the tables as they are now");
    assert_string_equal(lines[2].text, "0000000001|0000000001|001000110100");
    assert_int_equal(find_row(lines, n, "=> frame"), -1);
    assert_int_equal(find_row(lines, n, "TLB holds"), -1);
    assert_int_equal(find_row(lines, n, "PDE["), -1);
    assert_true(find_row(lines, n, "QUIZ: the walk") > 0);
    s.quiz_right = 2;
    s.quiz_asked = 3;
    n = format_shown(&s, 120, lines, 20);
    assert_true(find_row(lines, n, "quiz score 2/3 (right/asked)") > 0);
}

static void a_verdict_is_wrapped_to_the_pane(void **state)
{
    (void)state;
    struct fmt_line lines[40];
    struct translate_shown s = shown_32();
    s.source = TR_QUIZ_TYPED;
    s.quiz = UI_QUIZ_REVEALED;
    s.answer = "0x107234";
    int n = format_shown(&s, 24, lines, 40);
    int right = find_row(lines, n, "right:");
    assert_true(right > 0);
    assert_true(find_row(lines, n, "frame") > right);
    assert_true(find_row(lines, n, "quiz score 0/0") > right);
    for (int i = 0; i < n; i++)
        assert_true(lines[i].len <= 24);
}

static void nothing_to_show_is_one_row(void **state)
{
    (void)state;
    struct fmt_line lines[4];
    struct translate_shown s;
    memset(&s, 0, sizeof s);
    assert_int_equal(format_shown(&s, 80, lines, 4), 1);
    assert_non_null(strstr(lines[0].text, "no access yet"));
    assert_int_equal(lines[0].role[0], UI_DIM);
}

static void gather_refreshes_a_typed_probe(void **state)
{
    struct fixture *f = *state;
    struct translate_state *ts = f->ui.view_state[VIEW_TRANSLATE];
    uint64_t va = 0;
    enum mmu_access acc;
    bool user, known;
    assert_true(view_translate_current_access(&f->ui, false, &va, &acc, &user, &known));
    ts->typed = true;
    ts->probe.va = va;
    ts->probe.access = MMU_READ;
    ts->probe.ok = false;
    struct translate_shown s;
    translate_gather(&f->ui, ts, &s);
    assert_int_equal(s.source, TR_TYPED);
    assert_true(s.pr.ok); /* the page of a live block translates */
    assert_true(ts->probe.ok);
    ts->typed = false;
}

/* Ids are never cut: where the columns do not fit, the id leads the row and
 * the painter's clip takes the address. */
static void heap_ids_stay_whole_in_a_narrow_pane(void **state)
{
    (void)state;
    static const char narrow[] = "paging long\n"
                                 "malloc a_rather_long_name_for_a_buffer_1 100\n"
                                 "malloc a_rather_long_name_for_a_buffer_2 100\n";
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct trace *t = trace_parse(narrow, strlen(narrow), "narrow.trace", &err);
    assert_non_null(t);
    struct timeline *tl = timeline_create(t, NULL, NULL, &err);
    assert_non_null(tl);
    assert_true(timeline_goto(tl, timeline_len(tl)));
    struct ui ui;
    assert_true(ui_state_init(&ui, tl, "narrow.trace"));
    static struct fmt_line lines[MAX_ROWS];
    const int widths[] = {40, 50, 80};
    for (int i = 0; i < 3; i++) {
        struct ui_rect r = {0, 0, 20, widths[i]};
        ui_format_view(&ui, VIEW_HEAP, &r, true, lines, MAX_ROWS);
        for (int k = 1; k <= 2; k++) {
            char want[64];
            snprintf(want, sizeof want, "a_rather_long_name_for_a_buffer_%d", k);
            const char *at = strstr(lines[1 + k].text, want);
            assert_non_null(at);
            assert_true(at - lines[1 + k].text + (long)strlen(want) <= widths[i]);
        }
    }
    ui_state_free(&ui);
    timeline_destroy(tl);
    trace_free(t);
}

/* Stepping into op 3 (write a 0 4): before its first event the view shows
 * op 2's last access as an earlier one; after each event, the access as
 * far as it went; after the last, the timeline's own record. */
static void gather_follows_the_events_revealed(void **state)
{
    struct fixture *f = *state;
    struct translate_state *ts = f->ui.view_state[VIEW_TRANSLATE];
    ts->typed = false;
    assert_true(timeline_goto(f->tl, 3));
    size_t nev;
    timeline_events(f->tl, &nev);
    assert_true(nev >= 2);
    struct translate_shown s;
    f->ui.micro = true;
    f->ui.reveal = 0;
    translate_gather(&f->ui, ts, &s);
    assert_int_equal(s.source, TR_EARLIER);
    assert_int_equal(s.acc.op, 2);
    assert_int_equal(s.nev, nev);
    f->ui.reveal = 1;
    translate_gather(&f->ui, ts, &s);
    assert_int_equal(s.source, TR_ACCESS);
    assert_int_equal(s.acc.op, 3);
    assert_true(s.acc.tlb_looked);
    assert_false(s.acc.program); /* its bytes come with a later event */
    f->ui.reveal = nev;
    translate_gather(&f->ui, ts, &s);
    const struct access_record *r = timeline_last_access(f->tl);
    assert_non_null(r);
    assert_int_equal(s.acc.ev, r->ev);
    assert_int_equal(s.acc.pa, r->pa);
    assert_true(s.acc.program);
    assert_int_equal(s.acc.size, 4);
    f->ui.micro = false;
    translate_gather(&f->ui, ts, &s);
    assert_int_equal(s.source, TR_ACCESS);
    assert_int_equal(s.nev, 0);
    assert_int_equal(s.acc.ev, r->ev);
    assert_false(s.stale);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_names_every_view_in_key_order),
        cmocka_unit_test_setup_teardown(each_view_formats_its_rows_without_a_terminal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rows_stop_at_the_pane, setup, teardown),
        cmocka_unit_test(view_put_blanks_skipped_rows_and_drops_the_rest),
        cmocka_unit_test(view_put_hands_rows_to_a_sink_as_they_come),
        cmocka_unit_test_setup_teardown(keys_and_clicks_go_to_the_view_that_has_them, setup,
                                        teardown),
        cmocka_unit_test(translation_rows_show_split_walk_and_frame),
        cmocka_unit_test(an_access_shows_the_walk_as_read_and_the_bits_set),
        cmocka_unit_test(translation_rows_of_a_fault_decode_the_error_code_once),
        cmocka_unit_test(a_stale_hit_says_stale_and_what_the_tables_say),
        cmocka_unit_test(an_operation_without_access_says_so),
        cmocka_unit_test(every_page_size_is_split_at_its_offset),
        cmocka_unit_test(a_walk_row_fits_its_width),
        cmocka_unit_test(an_open_question_hides_the_walk),
        cmocka_unit_test(a_verdict_is_wrapped_to_the_pane),
        cmocka_unit_test(nothing_to_show_is_one_row),
        cmocka_unit_test(heap_ids_stay_whole_in_a_narrow_pane),
        cmocka_unit_test_setup_teardown(gather_refreshes_a_typed_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(gather_follows_the_events_revealed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
