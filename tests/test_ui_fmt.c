/*
 * test_ui_fmt.c - the visualizer's pure parts: frame glyphs and roles,
 * entry decoding (flags, addresses, PSE-36, MAXPHYADDR), the linear-address
 * split of each paging mode (SDM Vol. 3A figures 4-2..4-10), the page-fault
 * error code (4.7), the status line of CONTRACT 4, the key table and its help
 * screen, NO_COLOR, the reverse map of a frame through real tables in
 * simulated RAM, and quiz mode's reading and judging of an answer against
 * real probes (SDM 4.6 rights, 4.7 faults, 4.5 canonical addresses).
 */
#include "helpers.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>

#include "replay/timeline.h"
#include "sim/phys.h"
#include "sim/x86.h"
#include "trace/trace.h"
#include "ui/fmt.h"
#include "ui/keys.h"
#include "ui/pagemap.h"
#include "ui/quiz_ui.h"
#include "ui/theme.h"

static void frame_cell_glyph_and_role_follow_state_and_role(void **state)
{
    (void)state;
    struct fmt_cell c = fmt_frame_cell(PFA_FREE, ROLE_NONE);
    assert_int_equal(c.glyph, '.');
    assert_int_equal(c.role, UI_FRAME_FREE);
    c = fmt_frame_cell(PFA_RESERVED, ROLE_FIRMWARE);
    assert_int_equal(c.glyph, '#');
    assert_int_equal(c.role, UI_FRAME_RESERVED);
    c = fmt_frame_cell(PFA_USED, ROLE_HEAP);
    assert_int_equal(c.glyph, 'H');
    assert_int_equal(c.role, UI_FRAME_HEAP);
    c = fmt_frame_cell(PFA_USED, ROLE_PT);
    assert_int_equal(c.glyph, 'T');
    assert_int_equal(c.role, UI_FRAME_PT);
    c = fmt_frame_cell(PFA_USED, ROLE_PD);
    assert_int_equal(c.glyph, 'D');
    c = fmt_frame_cell(PFA_USED, ROLE_PML4);
    assert_int_equal(c.glyph, 'L');
    c = fmt_frame_cell(PFA_USED, ROLE_KERNEL);
    assert_int_equal(c.glyph, 'K');
    c = fmt_frame_cell(PFA_USED, ROLE_DEVICE);
    assert_int_equal(c.glyph, 'V');
    c = fmt_frame_cell(PFA_USED, ROLE_NONE);
    assert_int_equal(c.glyph, 'U');
    c = fmt_frame_cell(7, ROLE_NONE);
    assert_int_equal(c.glyph, '?');
    assert_int_equal(c.role, UI_FAULT);
}

static void frame_group_shows_its_most_telling_frame(void **state)
{
    (void)state;
    uint8_t st[64] = {0}, ro[64] = {0};
    assert_int_equal(fmt_frame_group(st, ro, 64, 0, 64).glyph, '.');
    st[37] = PFA_USED, ro[37] = ROLE_HEAP;
    assert_int_equal(fmt_frame_group(st, ro, 64, 0, 64).glyph, 'H');
    st[5] = PFA_USED, ro[5] = ROLE_PT;
    assert_int_equal(fmt_frame_group(st, ro, 64, 0, 64).glyph, 'T');
    /* A group that does not contain the table shows the heap frame. */
    assert_int_equal(fmt_frame_group(st, ro, 64, 32, 32).glyph, 'H');
    st[63] = PFA_RESERVED;
    assert_int_equal(fmt_frame_group(st, ro, 64, 60, 4).glyph, '#');
    /* Past the end: blank; a group running over the end is clipped. */
    assert_int_equal(fmt_frame_group(st, ro, 64, 64, 8).glyph, ' ');
    assert_int_equal(fmt_frame_group(st, ro, 64, 62, 100).glyph, '#');
}

static void frames_per_cell_is_the_smallest_power_of_two_that_fits(void **state)
{
    (void)state;
    assert_int_equal(fmt_frames_per_cell(10, 100), 1);
    assert_int_equal(fmt_frames_per_cell(4096, 1000), 8);
    assert_int_equal(fmt_frames_per_cell(4096, 4096), 1);
    assert_int_equal(fmt_frames_per_cell(UINT64_C(1) << 20, 12000), 128);
    assert_int_equal(fmt_frames_per_cell(5, 0), 8);
}

static void size_uses_binary_units(void **state)
{
    (void)state;
    char b[24];
    assert_string_equal(fmt_size(4096, b, sizeof b), "4 KiB");
    assert_string_equal(fmt_size(UINT64_C(4) << 30, b, sizeof b), "4 GiB");
    assert_string_equal(fmt_size(1536 * 1024, b, sizeof b), "1.5 MiB");
    assert_string_equal(fmt_size(100, b, sizeof b), "100 B");
}

static void entry_flags_spell_every_bit(void **state)
{
    (void)state;
    struct fmt_mode m32 = fmt_mode_of(PAGING_32);
    struct fmt_mode m64 = fmt_mode_of(PAGING_LONG);
    char f[11];
    fmt_entry_flags(&m32, LVL_PDE, 0x00106023, f);
    assert_string_equal(f, "PW---A----");
    fmt_entry_flags(&m32, LVL_PTE, 0x0010707F, f);
    assert_string_equal(f, "PWUTCAD---");
    /* Without CR4.PSE bit 7 of a PDE is ignored (SDM table 4-6); with it,
     * it is PS. */
    fmt_entry_flags(&m32, LVL_PDE, 0x183, f);
    assert_string_equal(f, "PW------G-");
    struct fmt_mode pse = fmt_mode_of(PAGING_PSE);
    fmt_entry_flags(&pse, LVL_PDE, 0x183, f);
    assert_string_equal(f, "PW-----SG-");
    /* In a PML4E bit 7 is reserved. */
    fmt_entry_flags(&m64, LVL_PML4E, 0x83, f);
    assert_string_equal(f, "PW-----R--");
    /* Bit 7 of a PTE is PAT, not PS. */
    fmt_entry_flags(&m32, LVL_PTE, 0x81, f);
    assert_string_equal(f, "P------p--");
    fmt_entry_flags(&m64, LVL_PTE, X86_PTE_XD | X86_PTE_P, f);
    assert_string_equal(f, "P--------X");
    fmt_entry_flags(&m64, LVL_PTE, 0, f);
    assert_string_equal(f, "----------");
}

static void entry_address_decodes_each_format(void **state)
{
    (void)state;
    struct fmt_mode m32 = fmt_mode_of(PAGING_32);
    struct fmt_mode pse = fmt_mode_of(PAGING_PSE);
    struct fmt_mode pae = fmt_mode_of(PAGING_PAE);
    struct fmt_mode m64 = fmt_mode_of(PAGING_LONG);
    assert_hex_equal(fmt_entry_addr(&m32, LVL_PTE, 0x00107063, 40), 0x00107000);
    /* Without CR4.PSE the PS bit of a PDE is ignored: a table address. */
    assert_false(fmt_entry_is_leaf(&m32, LVL_PDE, 0x00402083));
    assert_hex_equal(fmt_entry_addr(&m32, LVL_PDE, 0x00402083, 40), 0x00402000);
    /* PSE-36: PDE bits 20:13 are PA 39:32. */
    assert_true(fmt_entry_is_leaf(&pse, LVL_PDE, 0x00402083));
    assert_hex_equal(fmt_entry_addr(&pse, LVL_PDE, 0x00402083, 40), UINT64_C(0x100400000));
    /* 64-bit entries: bits M-1:12, XD and the bits above M are not address. */
    assert_hex_equal(fmt_entry_addr(&m64, LVL_PTE, UINT64_C(0x800F00FFFFFFF063), 40),
                     UINT64_C(0xFFFFFFF000));
    assert_hex_equal(fmt_entry_addr(&m64, LVL_PTE, UINT64_C(0x800F00FFFFFFF063), 52),
                     UINT64_C(0xF00FFFFFFF000));
    /* A 2 MiB page's base leaves out its PAT bit (bit 12). */
    assert_hex_equal(fmt_entry_addr(&pae, LVL_PDE, 0x00201083, 40), 0x00200000);
    /* A PDPTE maps 1 GiB only in 4-level paging. */
    assert_false(fmt_entry_is_leaf(&pae, LVL_PDPTE, 0x40000081));
    assert_true(fmt_entry_is_leaf(&m64, LVL_PDPTE, 0x40000081));
    assert_hex_equal(fmt_entry_addr(&m64, LVL_PDPTE, 0x40001081, 40), 0x40000000);
    assert_false(fmt_entry_is_leaf(&m64, LVL_PML4E, 0x81));
}

static void entry_va_covers_the_index_range(void **state)
{
    (void)state;
    struct fmt_mode m32 = fmt_mode_of(PAGING_32);
    struct fmt_mode m64 = fmt_mode_of(PAGING_LONG);
    assert_hex_equal(fmt_entry_va(&m32, LVL_PDE, 0, 832), 0xD0000000);
    assert_hex_equal(fmt_entry_span(&m32, LVL_PDE), 4u << 20);
    assert_hex_equal(fmt_entry_va(&m32, LVL_PTE, 0xD0000000, 1), 0xD0001000);
    assert_hex_equal(fmt_entry_va(&m64, LVL_PML4E, 0, 256), UINT64_C(0xFFFF800000000000));
    assert_hex_equal(fmt_entry_va(&m64, LVL_PDPTE, UINT64_C(0xFFFF800000000000), 2),
                     UINT64_C(0xFFFF800080000000));
    assert_hex_equal(fmt_entry_span(&m64, LVL_PML4E), UINT64_C(512) << 30);
}

static void entry_row_reads_like_the_hardware(void **state)
{
    (void)state;
    struct fmt_mode m32 = fmt_mode_of(PAGING_32);
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_entry_row(&l, &m32, LVL_PDE, 832, 0x00106023, 0, 40, false);
    assert_non_null(strstr(l.text, " 832 00106023 PW---A---- tbl  000106000"));
    assert_non_null(strstr(l.text, "d0000000-d03fffff"));
    assert_int_equal(l.role[0], UI_PRESENT);
    fmt_line_clear(&l);
    fmt_entry_row(&l, &m32, LVL_PTE, 3, 0x00107002, 0xD0000000, 40, true);
    assert_non_null(strstr(l.text, "not present"));
    assert_non_null(strstr(l.text, "d0003000-d0003fff"));
    assert_int_equal(l.role[0], UI_CHANGED);
}

static void address_split_32_is_10_10_12(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_field f[5];
    assert_int_equal(fmt_addr_fields(&m, 4096, 0xD0001010, f), 3);
    assert_string_equal(f[0].name, "PDE");
    assert_int_equal(f[0].hi, 31);
    assert_int_equal(f[0].lo, 22);
    assert_int_equal(f[0].value, 832);
    assert_int_equal(f[1].value, 1);
    assert_int_equal(f[1].hi, 21);
    assert_string_equal(f[2].name, "offset");
    assert_int_equal(f[2].value, 0x10);
    /* A 4 MiB page does not exist without PSE: the split stays 10|10|12. */
    assert_int_equal(fmt_addr_fields(&m, 4u << 20, 0xD0001010, f), 3);
}

static void address_split_pse_4m_is_10_22(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_PSE);
    struct fmt_field f[5];
    assert_int_equal(fmt_addr_fields(&m, 4u << 20, 0xD0001010, f), 2);
    assert_int_equal(f[0].value, 832);
    assert_int_equal(f[1].hi, 21);
    assert_int_equal(f[1].value, 0x1010);
}

static void address_split_pae_is_2_9_9_12(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_PAE);
    struct fmt_field f[5];
    assert_int_equal(fmt_addr_fields(&m, 4096, 0xC0201003, f), 4);
    assert_int_equal(f[0].hi, 31);
    assert_int_equal(f[0].lo, 30);
    assert_int_equal(f[0].value, 3);
    assert_int_equal(f[1].value, 1);
    assert_int_equal(f[2].value, 1);
    assert_int_equal(f[3].value, 3);
    assert_int_equal(fmt_addr_fields(&m, 2u << 20, 0xC0201003, f), 3);
    assert_int_equal(f[2].hi, 20);
    assert_int_equal(f[2].value, 0x1003);
}

static void address_split_long_is_9_9_9_9_12(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_LONG);
    struct fmt_field f[5];
    assert_int_equal(fmt_addr_fields(&m, 4096, UINT64_C(0x00007FFFFFFFF123), f), 5);
    assert_string_equal(f[0].name, "PML4");
    assert_int_equal(f[0].hi, 47);
    assert_int_equal(f[0].lo, 39);
    assert_int_equal(f[0].value, 255); /* bit 47 is the sign, not part of a field */
    for (int i = 1; i < 4; i++)
        assert_int_equal(f[i].value, 511);
    assert_int_equal(f[4].value, 0x123);
    assert_int_equal(fmt_addr_fields(&m, UINT64_C(1) << 30, UINT64_C(0xFFFF800040000010), f), 3);
    assert_int_equal(f[0].value, 256);
    assert_int_equal(f[1].value, 1);
    assert_int_equal(f[2].hi, 29);
    assert_int_equal(f[2].value, 0x10);
}

static void address_binary_colours_each_field(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_field f[5];
    unsigned n = fmt_addr_fields(&m, 4096, 0xD0001010, f);
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_addr_binary(&l, f, n);
    assert_string_equal(l.text, "1101000000|0000000001|000000010000");
    assert_int_equal(l.role[0], UI_FIELD0);
    assert_int_equal(l.role[10], UI_DIM);
    assert_int_equal(l.role[11], UI_FIELD1);
    assert_int_equal(l.role[33], UI_FIELD_OFF);
}

static void page_fault_code_decodes_bit_by_bit(void **state)
{
    (void)state;
    struct fmt_line l;
    fmt_line_clear(&l);
    assert_true(fmt_pf_bit(&l, 0x2, 0));
    assert_non_null(strstr(l.text, "not-present"));
    assert_int_equal(l.role[0], UI_NORMAL);
    fmt_line_clear(&l);
    assert_true(fmt_pf_bit(&l, 0x2, 1));
    assert_non_null(strstr(l.text, "= 1"));
    assert_non_null(strstr(l.text, "write"));
    assert_int_equal(l.role[0], UI_FAULT);
    fmt_line_clear(&l);
    assert_true(fmt_pf_bit(&l, 0x1D, 3));
    assert_non_null(strstr(l.text, "RSVD"));
    assert_non_null(strstr(l.text, "reserved bit set"));
    fmt_line_clear(&l);
    assert_true(fmt_pf_bit(&l, 0x10, 4));
    assert_non_null(strstr(l.text, "instruction fetch"));
    assert_false(fmt_pf_bit(&l, 0x1F, 5));
}

static void status_line_shows_what_contract_4_asks(void **state)
{
    (void)state;
    struct fmt_status s = {.trace = "lesson.trace",
                           .op = 3,
                           .nops = 12,
                           .mode = "32",
                           .cr0 = 0x80000011,
                           .cr3 = 0x105000,
                           .cr4 = 0,
                           .speed = 10};
    struct fmt_line l;
    fmt_status_line(&l, &s, 80);
    assert_int_equal(l.len, 80);
    assert_int_equal((int)strlen(l.text), 80);
    assert_non_null(strstr(l.text, "lesson.trace"));
    assert_non_null(strstr(l.text, "op 3/12"));
    assert_non_null(strstr(l.text, " 32 "));
    assert_non_null(strstr(l.text, "CR0=80000011"));
    assert_non_null(strstr(l.text, "CR3=105000"));
    assert_non_null(strstr(l.text, "CR4=0"));
    assert_non_null(strstr(l.text, "PAUSED 10/s"));
    /* With room, the full form. */
    fmt_status_line(&l, &s, 120);
    assert_int_equal(l.len, 120);
    assert_non_null(strstr(l.text, " lesson.trace  op 3/12 | 32 | CR0=0x80000011 CR3=0x105000"
                                   " CR4=0x0 | PAUSED 10 op/s"));
    s.playing = true;
    s.ev = 2, s.nev = 7;
    fmt_status_line(&l, &s, 100);
    assert_non_null(strstr(l.text, "PLAYING"));
    assert_non_null(strstr(l.text, "ev 2/7"));
}

static void status_line_shortens_a_long_name_first(void **state)
{
    (void)state;
    char name[201];
    memset(name, 'a', 200);
    memcpy(name + 190, "end.trace", 10);
    struct fmt_status s = {.trace = name,
                           .op = 4000000,
                           .nops = 4000000,
                           .mode = "long",
                           .cr0 = 0x80010011,
                           .cr3 = UINT64_C(0xFF00105000),
                           .cr4 = 0xA0,
                           .playing = true,
                           .speed = 1000000,
                           .note = "breakpoint: fault"};
    struct fmt_line l;
    fmt_status_line(&l, &s, 80);
    assert_int_equal(l.len, 80);
    assert_non_null(strstr(l.text, "<"));
    assert_non_null(strstr(l.text, "end.trace"));
    assert_non_null(strstr(l.text, "op 4000000/4000000"));
    assert_non_null(strstr(l.text, "CR3=ff00105000"));
    assert_non_null(strstr(l.text, "CR4=a0"));
    assert_non_null(strstr(l.text, "CR0=80010011"));
    assert_non_null(strstr(l.text, "PLAYING"));
}

static void put_clips_at_the_line_limit(void **state)
{
    (void)state;
    struct fmt_line l;
    fmt_line_clear(&l);
    for (int i = 0; i < 100; i++)
        fmt_put(&l, UI_NORMAL, "0123456789");
    assert_int_equal(l.len, FMT_LINE_MAX);
    assert_int_equal((int)strlen(l.text), FMT_LINE_MAX);
    assert_int_equal(fmt_put(&l, UI_NORMAL, "x"), 0);
    fmt_fill(&l, UI_NORMAL, ' ', 10);
    assert_int_equal(l.len, FMT_LINE_MAX);
}

/* Control bytes from a trace (a caption, a caller) are never painted raw:
 * curses would act on a CR or a tab, and a terminal on an ESC. */
static void put_escapes_control_bytes(void **state)
{
    (void)state;
    struct fmt_line l;
    fmt_line_clear(&l);
    fmt_put(&l, UI_CAPTION, ">> %s", "\x1b]0;pwned\x07 a\rb\tc \xc2\x9b caf\xe9 caf\xc3\xa9");
    assert_string_equal(l.text, ">> \\x1b]0;pwned\\x07 a\\rb\\tc \\xc2\\x9b caf\\xe9 caf\xc3\xa9");
    assert_int_equal(l.len, (int)strlen(l.text));
    for (int i = 0; i < l.len; i++)
        assert_int_equal(l.role[i], UI_CAPTION);
}

static void contract_keys_are_bound(void **state)
{
    (void)state;
    assert_int_equal(keys_action('q'), ACT_QUIT);
    assert_int_equal(keys_action(KEY_F(10)), ACT_QUIT);
    assert_int_equal(keys_action('?'), ACT_HELP);
    assert_int_equal(keys_action(KEY_F(1)), ACT_HELP);
    assert_int_equal(keys_action(' '), ACT_PLAY);
    assert_int_equal(keys_action(KEY_RIGHT), ACT_STEP);
    assert_int_equal(keys_action('n'), ACT_STEP);
    assert_int_equal(keys_action(KEY_LEFT), ACT_BACK);
    assert_int_equal(keys_action('b'), ACT_BACK);
    assert_int_equal(keys_action('s'), ACT_MICRO);
    assert_int_equal(keys_action('+'), ACT_FASTER);
    assert_int_equal(keys_action('-'), ACT_SLOWER);
    assert_int_equal(keys_action('g'), ACT_GOTO);
    assert_int_equal(keys_action('t'), ACT_TRANSLATE);
    assert_int_equal(keys_action('\t'), ACT_NEXT_VIEW);
    for (int v = 0; v < 6; v++)
        assert_int_equal(keys_action('1' + v), ACT_VIEW1 + v);
    assert_int_equal(keys_action('~'), ACT_NONE);
}

static void help_screen_lists_every_bound_key(void **state)
{
    (void)state;
    size_t n;
    const struct key_binding *t = keys_table(&n);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        struct fmt_line l;
        for (size_t i = 0; keys_help_line(&l, i) && !found; i++) {
            found = strstr(l.text, keys_action_help(t[k].action)) != NULL &&
                    strstr(l.text, t[k].label) != NULL;
        }
        if (!found)
            fprintf(stderr, "key %s is missing from the help\n", t[k].label);
        assert_true(found);
    }
}

static void no_color_needs_a_non_empty_value(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    assert_false(theme_no_color_env());
    setenv("NO_COLOR", "", 1);
    assert_false(theme_no_color_env());
    setenv("NO_COLOR", "1", 1);
    assert_true(theme_no_color_env());
    unsetenv("NO_COLOR");
}

/* A 32-bit address space in real simulated RAM: PD at 0x1000, PDE 832 ->
 * PT at 0x2000, PTE 1 -> frame 7, PTE 2 -> frame 7 again (an alias). */
static void pagemap_finds_pages_and_tables_of_a_frame(void **state)
{
    (void)state;
    struct phys *p = phys_create(16u << 20);
    assert_non_null(p);
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    assert_true(phys_store32(p, 0x1000 + 832 * 4, 0x2000 | 0x3));
    assert_true(phys_store32(p, 0x2000 + 1 * 4, 0x7000 | 0x3));
    assert_true(phys_store32(p, 0x2000 + 2 * 4, 0x7000 | 0x1));
    assert_true(phys_store32(p, 0x2000 + 3 * 4, 0x8000)); /* not present */
    struct pagemap_hit h[8];
    bool more = true;
    size_t n = pagemap_find(p, &m, 0x1000, 40, 7, h, 8, 0, &more);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_hex_equal(h[0].va, 0xD0001000);
    assert_int_equal(h[0].kind, 0);
    assert_hex_equal(h[1].va, 0xD0002000);
    n = pagemap_find(p, &m, 0x1000, 40, 2, h, 8, 0, &more);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].kind, 1 + LVL_PTE);
    assert_hex_equal(h[0].va, 0xD0000000);
    n = pagemap_find(p, &m, 0x1000, 40, 1, h, 8, 0, &more);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].kind, 1 + LVL_PDE);
    assert_int_equal(pagemap_find(p, &m, 0x1000, 40, 8, h, 8, 0, &more), 0);
    /* One slot: the second alias is reported as more. */
    n = pagemap_find(p, &m, 0x1000, 40, 7, h, 1, 0, &more);
    assert_int_equal(n, 1);
    assert_true(more);
    phys_destroy(p);
}

/* A 4 MiB PSE page maps 1024 frames: the frame's own address inside it. */
static void pagemap_follows_large_pages(void **state)
{
    (void)state;
    struct phys *p = phys_create(16u << 20);
    assert_non_null(p);
    struct fmt_mode m = fmt_mode_of(PAGING_PSE);
    assert_true(phys_store32(p, 0x1000 + 768 * 4, 0x00400000 | 0x83));
    struct pagemap_hit h[4];
    bool more;
    size_t n = pagemap_find(p, &m, 0x1000, 40, 0x405, h, 4, 0, &more);
    assert_int_equal(n, 1);
    assert_hex_equal(h[0].va, 0xC0005000);
    phys_destroy(p);
}

/* --- quiz mode --------------------------------------------------------------- */

static void quiz_answer_reads_hex_with_or_without_0x_and_fault_words(void **state)
{
    (void)state;
    struct quiz_ui_answer a = {QUIZ_UI_GP, 99};
    assert_true(quiz_ui_parse("0x107010", &a));
    assert_int_equal(a.kind, QUIZ_UI_ADDR);
    assert_hex_equal(a.pa, 0x107010);
    assert_true(quiz_ui_parse("107010", &a));
    assert_hex_equal(a.pa, 0x107010);
    assert_true(quiz_ui_parse("  0XdeadBEEF \t", &a));
    assert_hex_equal(a.pa, 0xdeadbeef);
    assert_true(quiz_ui_parse("ffffffffffffffff", &a));
    assert_hex_equal(a.pa, UINT64_MAX);
    assert_true(quiz_ui_parse("pf", &a));
    assert_int_equal(a.kind, QUIZ_UI_PF);
    assert_true(quiz_ui_parse("#PF", &a));
    assert_int_equal(a.kind, QUIZ_UI_PF);
    assert_true(quiz_ui_parse(" GP", &a));
    assert_int_equal(a.kind, QUIZ_UI_GP);
    assert_true(quiz_ui_parse("#gp", &a));
    assert_int_equal(a.kind, QUIZ_UI_GP);
    /* Anything else is refused and leaves the answer as it was. */
    a.kind = QUIZ_UI_ADDR, a.pa = 7;
    const char *bad[] = {"",    "   ", "0x",  "xyz", "12g4", "1 2",  "10000000000000000",
                         "#12", "p f", "pfx", "-1",  "0x-1", "##pf", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(quiz_ui_parse(bad[i], &a));
        assert_int_equal(a.kind, QUIZ_UI_ADDR);
        assert_hex_equal(a.pa, 7);
    }
}

/* A real machine after a trace, and a real probe of it (no side effects). */
static struct timeline *quiz_machine(const char *text, struct trace **t)
{
    struct trace_error err;
    memset(&err, 0, sizeof err);
    *t = trace_parse(text, strlen(text), "quiz.trace", &err);
    assert_non_null(*t);
    struct timeline *tl = timeline_create(*t, NULL, NULL, &err);
    assert_non_null(tl);
    timeline_goto(tl, timeline_len(tl));
    return tl;
}

static bool lines_contain(const struct fmt_line *l, unsigned n, const char *what)
{
    for (unsigned i = 0; i < n; i++) {
        if (strstr(l[i].text, what) != NULL)
            return true;
    }
    return false;
}

static const char quiz_trace32[] = "ram 16M\npaging 32\nmalloc a 100\nwrite a 0 100\n";

static void quiz_right_address_is_right_with_frame_plus_offset(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine(quiz_trace32, &t);
    struct timeline_probe pr;
    timeline_translate(tl, 0xD0000010, MMU_READ, false, &pr);
    assert_true(pr.ok);
    char typed[32], pa[32], frame[32];
    snprintf(typed, sizeof typed, "0x%" PRIx64, pr.res.pa);
    snprintf(pa, sizeof pa, "pa 0x%08" PRIx64, pr.res.pa);
    snprintf(frame, sizeof frame, "frame 0x%08" PRIx64, pr.res.pa & ~UINT64_C(0xFFF));
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n = 99;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, typed, l, &n), QUIZ_UI_RIGHT);
    assert_true(n >= 3 && n <= QUIZ_UI_LINES);
    assert_true(strncmp(l[0].text, "right: ", 7) == 0);
    assert_non_null(strstr(l[0].text, pa));
    assert_non_null(strstr(l[1].text, "CR3 -> PDE[832] -> PTE[0] -> frame"));
    assert_true(lines_contain(l, n, frame));
    assert_true(lines_contain(l, n, "+ offset 0x10 (bits 11:0"));
    assert_false(lines_contain(l, n, "wrong"));
    /* Without 0x, in capitals: the same answer. */
    snprintf(typed, sizeof typed, "%" PRIX64, pr.res.pa);
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, typed, l, &n), QUIZ_UI_RIGHT);
    timeline_destroy(tl);
    trace_free(t);
}

static void quiz_wrong_address_reveals_the_answer_and_the_offset_rule(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine(quiz_trace32, &t);
    struct timeline_probe pr;
    timeline_translate(tl, 0xD0000010, MMU_WRITE, false, &pr);
    assert_true(pr.ok);
    char typed[32], pa[32];
    snprintf(typed, sizeof typed, "0x%" PRIx64, pr.res.pa & ~UINT64_C(0xFFF)); /* forgot offset */
    snprintf(pa, sizeof pa, "the answer is pa 0x%08" PRIx64, pr.res.pa);
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, typed, l, &n), QUIZ_UI_WRONG);
    assert_true(strncmp(l[0].text, "wrong: you said 0x", 18) == 0);
    assert_non_null(strstr(l[0].text, pa));
    assert_true(lines_contain(l, n, "hint: the offset is kept"));
    /* The linear address itself: a hint of its own. */
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "d0000010", l, &n), QUIZ_UI_WRONG);
    assert_true(lines_contain(l, n, "is the linear address itself"));
    /* Right offset, wrong frame. */
    snprintf(typed, sizeof typed, "%" PRIx64, pr.res.pa + 0x5000);
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, typed, l, &n), QUIZ_UI_WRONG);
    assert_true(lines_contain(l, n, "the offset is right"));
    /* A fault where the walk succeeds. */
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "pf", l, &n), QUIZ_UI_WRONG);
    assert_non_null(strstr(l[0].text, "you said #PF"));
    assert_true(lines_contain(l, n, "every entry on the way is present"));
    timeline_destroy(tl);
    trace_free(t);
}

static void quiz_address_typed_for_a_fault_is_wrong_and_names_the_entry(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine(quiz_trace32, &t);
    struct timeline_probe pr;
    timeline_translate(tl, 0xD0005000, MMU_WRITE, false, &pr); /* PTE 5: P=0 */
    assert_false(pr.ok);
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "0x107000", l, &n), QUIZ_UI_WRONG);
    assert_non_null(strstr(l[0].text, "the answer is #PF, error code 0x2 (not present)"));
    assert_non_null(strstr(l[1].text, "PDE[832] -> PTE[5] and stopped there"));
    assert_true(lines_contain(l, n, "because PTE[5] = 0x00000000 has P=0"));
    assert_true(lines_contain(l, n, "error code 0x2: P=0 W/R=1 U/S=0 RSVD=0 I/D=0"));
    assert_true(lines_contain(l, n, "CR2 would be 0xd0005000"));
    assert_true(lines_contain(l, n, "a fault gives no physical address"));
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "pf", l, &n), QUIZ_UI_RIGHT);
    assert_true(strncmp(l[0].text, "right: #PF", 10) == 0);
    /* No page table under the kernel's PDE 768: the walk stops at PDE 767. */
    timeline_translate(tl, 0xC0000000 - 0x1000, MMU_READ, false, &pr);
    assert_false(pr.ok);
    assert_int_equal(pr.res.nsteps, 1);
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "PF", l, &n), QUIZ_UI_RIGHT);
    assert_true(lines_contain(l, n, "because PDE[767] = 0x00000000 has P=0"));
    assert_true(lines_contain(l, n, "CR3 -> PDE[767] and stopped there"));
    timeline_destroy(tl);
    trace_free(t);
}

static void quiz_user_access_to_supervisor_page_names_the_level(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine(quiz_trace32, &t);
    struct timeline_probe pr;
    timeline_translate(tl, 0xD0000010, MMU_READ, true, &pr);
    assert_false(pr.ok);
    assert_int_equal(pr.res.fault.reason, FAULT_USER_SUPERVISOR);
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "pf", l, &n), QUIZ_UI_RIGHT);
    assert_true(lines_contain(l, n,
                              "because PDE[832] and PTE[0] have U/S=0: user accesses need U/S=1 "
                              "at every level"));
    assert_true(lines_contain(l, n, "error code 0x5: P=1 W/R=0 U/S=1"));
    timeline_destroy(tl);
    trace_free(t);
}

static void quiz_gp_and_pf_are_told_apart(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine("paging long\nmalloc a 100\n", &t);
    struct fmt_mode m = fmt_mode_of(PAGING_LONG);
    struct timeline_probe pr;
    timeline_translate(tl, UINT64_C(0x0000800000000000), MMU_READ, false, &pr);
    assert_false(pr.ok);
    assert_int_equal(pr.res.fault.vector, X86_VEC_GP);
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "gp", l, &n), QUIZ_UI_RIGHT);
    assert_true(strncmp(l[0].text, "right: #GP(0)", 13) == 0);
    assert_true(lines_contain(l, n, "no walk at all"));
    assert_true(lines_contain(l, n, "bits 63:47 of 0x0000800000000000 are not all equal"));
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "pf", l, &n), QUIZ_UI_WRONG);
    assert_non_null(strstr(l[0].text, "you said #PF, the answer is #GP(0)"));
    assert_true(lines_contain(l, n, "before the walk"));
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "0", l, &n), QUIZ_UI_WRONG);
    /* A canonical address with nothing mapped is a #PF, not a #GP. */
    timeline_translate(tl, UINT64_C(0x0000700000000000), MMU_READ, false, &pr);
    assert_false(pr.ok);
    assert_int_equal(pr.res.fault.vector, X86_VEC_PF);
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "gp", l, &n), QUIZ_UI_WRONG);
    assert_non_null(strstr(l[0].text, "you said #GP, the answer is #PF"));
    assert_true(lines_contain(l, n, "because PML4E["));
    assert_true(lines_contain(l, n, "only a non-canonical address (4-level paging) raises #GP"));
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "#pf", l, &n), QUIZ_UI_RIGHT);
    timeline_destroy(tl);
    trace_free(t);
}

/* Rights the traces cannot set up yet, on a hand-made walk: a read-only PTE
 * under a writable PDE, and XD in a 4-level PDE; a PAE PDPTE has no rights
 * bits, so it is never blamed. */
static void quiz_missing_right_names_the_entry_that_lacks_it(void **state)
{
    (void)state;
    struct fmt_mode m32 = fmt_mode_of(PAGING_32);
    struct timeline_probe pr;
    memset(&pr, 0, sizeof pr);
    pr.va = 0xD0000010, pr.access = MMU_WRITE;
    pr.res.nsteps = 2;
    pr.res.steps[0] = (struct walk_step){LVL_PDE, 832, 0x105000, 0x105d00, 0x00108023};
    pr.res.steps[1] = (struct walk_step){LVL_PTE, 0, 0x108000, 0x108000, 0x00107061};
    pr.res.fault = (struct mmu_fault){X86_VEC_PF, FAULT_WRITE_PROTECT, 0x3, 0xD0000010};
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m32, 40, &pr, "107010", l, &n), QUIZ_UI_WRONG);
    assert_true(lines_contain(l, n,
                              "because PTE[0] has R/W=0: a write needs R/W=1 at every level "
                              "(CR0.WP=1)"));
    assert_false(lines_contain(l, n, "PDE[832] and"));
    assert_true(lines_contain(l, n, "-> PTE[0], all present, but the access is not allowed"));

    struct fmt_mode ml = fmt_mode_of(PAGING_LONG);
    memset(&pr, 0, sizeof pr);
    pr.va = 0x400000, pr.access = MMU_EXEC;
    pr.res.nsteps = 3;
    pr.res.steps[0] = (struct walk_step){LVL_PML4E, 0, 0x105000, 0x105000, 0x106023};
    pr.res.steps[1] = (struct walk_step){LVL_PDPTE, 0, 0x106000, 0x106000, 0x107023};
    pr.res.steps[2] = (struct walk_step){LVL_PDE, 2, 0x107000, 0x107010, X86_PTE_XD | 0x4000e3};
    pr.res.fault = (struct mmu_fault){X86_VEC_PF, FAULT_EXECUTE_DISABLE, 0x11, 0x400000};
    assert_int_equal(quiz_ui_judge(&ml, 40, &pr, "pf", l, &n), QUIZ_UI_RIGHT);
    assert_true(lines_contain(l, n, "because PDE[2] has XD=1: with EFER.NXE=1 a fetch needs XD=0"));
    assert_true(lines_contain(l, n, "I/D=1"));

    struct fmt_mode mp = fmt_mode_of(PAGING_PAE);
    memset(&pr, 0, sizeof pr);
    pr.va = 0xC0001000, pr.access = MMU_READ, pr.user = true;
    pr.res.nsteps = 3;
    pr.res.steps[0] = (struct walk_step){LVL_PDPTE, 3, 0x105000, 0x105018, 0x106001};
    pr.res.steps[1] = (struct walk_step){LVL_PDE, 0, 0x106000, 0x106000, 0x107027};
    pr.res.steps[2] = (struct walk_step){LVL_PTE, 1, 0x107000, 0x107008, 0x120023};
    pr.res.fault = (struct mmu_fault){X86_VEC_PF, FAULT_USER_SUPERVISOR, 0x5, 0xC0001000};
    assert_int_equal(quiz_ui_judge(&mp, 40, &pr, "pf", l, &n), QUIZ_UI_RIGHT);
    assert_true(lines_contain(l, n, "because PTE[1] has U/S=0"));
    assert_false(lines_contain(l, n, "PDPTE[3] and"));
}

static void quiz_garbage_asks_again_without_revealing(void **state)
{
    (void)state;
    struct trace *t;
    struct timeline *tl = quiz_machine(quiz_trace32, &t);
    struct timeline_probe pr;
    timeline_translate(tl, 0xD0000010, MMU_READ, false, &pr);
    assert_true(pr.ok);
    char pa[32];
    snprintf(pa, sizeof pa, "%" PRIx64, pr.res.pa);
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct fmt_line l[QUIZ_UI_LINES];
    const char *bad[] = {"", "hello", "0xZZ", "fault", "12 34", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned n = 99;
        assert_int_equal(quiz_ui_judge(&m, 40, &pr, bad[i], l, &n), QUIZ_UI_UNCLEAR);
        assert_int_equal(n, 1);
        assert_true(strncmp(l[0].text, "not understood, try again", 25) == 0);
        assert_null(strstr(l[0].text, pa));
        assert_null(strstr(l[0].text, "right"));
        assert_null(strstr(l[0].text, "wrong"));
        assert_null(strstr(l[0].text, "PTE"));
    }
    timeline_destroy(tl);
    trace_free(t);
}

/* A TLB entry the tables no longer agree with is pointed out. */
static void quiz_notes_a_stale_tlb_entry(void **state)
{
    (void)state;
    struct fmt_mode m = fmt_mode_of(PAGING_32);
    struct timeline_probe pr;
    memset(&pr, 0, sizeof pr);
    pr.va = 0xD0000010, pr.ok = true;
    pr.res.pa = 0x107010, pr.res.page_size = 4096, pr.res.nsteps = 2;
    pr.res.steps[0] = (struct walk_step){LVL_PDE, 832, 0x105000, 0x105d00, 0x00108023};
    pr.res.steps[1] = (struct walk_step){LVL_PTE, 0, 0x108000, 0x108000, 0x00107063};
    pr.tlb_has = true, pr.tlb_pa = 0x200010;
    struct fmt_line l[QUIZ_UI_LINES];
    unsigned n;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "200010", l, &n), QUIZ_UI_WRONG);
    assert_true(lines_contain(l, n, "a stale TLB entry gives 0x00200010"));
    pr.tlb_pa = 0x107010;
    assert_int_equal(quiz_ui_judge(&m, 40, &pr, "107010", l, &n), QUIZ_UI_RIGHT);
    assert_false(lines_contain(l, n, "stale"));
}

static void status_line_says_quiz(void **state)
{
    (void)state;
    struct fmt_status s = {
        .trace = "t", .op = 1, .nops = 2, .mode = "32", .quiz = true, .speed = 10};
    struct fmt_line l;
    fmt_status_line(&l, &s, 100);
    assert_non_null(strstr(l.text, "PAUSED QUIZ 0/0 10 op/s"));
    s.quiz_right = 2;
    s.quiz_asked = 5;
    s.playing = true;
    fmt_status_line(&l, &s, 100);
    assert_non_null(strstr(l.text, "PLAYING QUIZ 2/5 10 op/s")); /* the score: right/asked */
    s.playing = false;
    s.quiz = false;
    fmt_status_line(&l, &s, 100);
    assert_null(strstr(l.text, "QUIZ"));
}

/* README.md, beside tests/ (PAGESIM_TEST_DATA is tests/data). */
static char *read_readme(void)
{
    char path[4096];
    const char *env = getenv("PAGESIM_TEST_DATA");
    if (env && *env) {
        snprintf(path, sizeof path, "%s/../../README.md", env);
    } else {
        const char *src = __FILE__;
        const char *slash = strrchr(src, '/');
        snprintf(path, sizeof path, "%.*s/../README.md", slash ? (int)(slash - src) : 1,
                 slash ? src : ".");
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* A README table cell as plain text: trimmed, backticks dropped, "\|" as "|". */
static void cell_text(const char *s, size_t n, char *out, size_t cap)
{
    while (n > 0 && *s == ' ') {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] == ' ')
        n--;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (s[i] == '`')
            continue;
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '|')
            continue;
        out[k++] = s[i];
    }
    out[k] = '\0';
}

static void readme_key_table_matches_the_help_screen(void **state)
{
    const char *readme = read_readme();
    assert_non_null(readme);
    const char *row = strstr(readme, "| key | action |\n| --- | --- |\n");
    assert_non_null(row);
    row = strchr(strchr(row, '\n') + 1, '\n') + 1;
    size_t i = 0;
    struct fmt_line l;
    for (; keys_help_line(&l, i) && l.len > 0 && l.role[0] == UI_TITLE; i++) {
        if (row[0] != '|')
            fprintf(stderr, "help line %zu (%s) has no README row\n", i, l.text);
        assert_true(row[0] == '|');
        const char *end = strchr(row, '\n');
        /* The cell separator: the first " | " not escaped as "\|". */
        const char *sep = row + 1;
        while ((sep = strstr(sep, " | ")) != NULL && sep[-1] == '\\')
            sep++;
        assert_non_null(sep);
        assert_true(sep < end);
        char keys[64], action[160], want[FMT_LINE_MAX + 64];
        cell_text(row + 1, (size_t)(sep - row - 1), keys, sizeof keys);
        cell_text(sep + 3, (size_t)(end - sep - 3) - 1, action, sizeof action);
        snprintf(want, sizeof want, "%-16s %s", keys, action);
        assert_string_equal(l.text, want);
        row = end + 1;
    }
    assert_true(i > 30);
    /* The table has no row the help screen lacks. */
    assert_true(row[0] != '|');
}

/* The caption's mark: a check or a cross, ASCII outside UTF-8, none
 * before any fact is checked. */
static void expect_mark_forms(void **state)
{
    (void)state;
    enum ui_role role;
    assert_string_equal(fmt_expect_mark(TIMELINE_MARK_HOLD, true, &role), "\xe2\x9c\x93");
    assert_int_equal(role, UI_HIT);
    assert_string_equal(fmt_expect_mark(TIMELINE_MARK_FAIL, true, &role), "\xe2\x9c\x97");
    assert_int_equal(role, UI_FAULT);
    assert_string_equal(fmt_expect_mark(TIMELINE_MARK_HOLD, false, &role), "[ok]");
    assert_string_equal(fmt_expect_mark(TIMELINE_MARK_FAIL, false, &role), "[X]");
    assert_string_equal(fmt_expect_mark(TIMELINE_MARK_NONE, true, &role), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readme_key_table_matches_the_help_screen),
        cmocka_unit_test(frame_cell_glyph_and_role_follow_state_and_role),
        cmocka_unit_test(frame_group_shows_its_most_telling_frame),
        cmocka_unit_test(frames_per_cell_is_the_smallest_power_of_two_that_fits),
        cmocka_unit_test(size_uses_binary_units),
        cmocka_unit_test(entry_flags_spell_every_bit),
        cmocka_unit_test(entry_address_decodes_each_format),
        cmocka_unit_test(entry_va_covers_the_index_range),
        cmocka_unit_test(entry_row_reads_like_the_hardware),
        cmocka_unit_test(address_split_32_is_10_10_12),
        cmocka_unit_test(address_split_pse_4m_is_10_22),
        cmocka_unit_test(address_split_pae_is_2_9_9_12),
        cmocka_unit_test(address_split_long_is_9_9_9_9_12),
        cmocka_unit_test(address_binary_colours_each_field),
        cmocka_unit_test(page_fault_code_decodes_bit_by_bit),
        cmocka_unit_test(status_line_shows_what_contract_4_asks),
        cmocka_unit_test(status_line_shortens_a_long_name_first),
        cmocka_unit_test(put_clips_at_the_line_limit),
        cmocka_unit_test(contract_keys_are_bound),
        cmocka_unit_test(help_screen_lists_every_bound_key),
        cmocka_unit_test(no_color_needs_a_non_empty_value),
        cmocka_unit_test(pagemap_finds_pages_and_tables_of_a_frame),
        cmocka_unit_test(pagemap_follows_large_pages),
        cmocka_unit_test(quiz_answer_reads_hex_with_or_without_0x_and_fault_words),
        cmocka_unit_test(quiz_right_address_is_right_with_frame_plus_offset),
        cmocka_unit_test(quiz_wrong_address_reveals_the_answer_and_the_offset_rule),
        cmocka_unit_test(quiz_address_typed_for_a_fault_is_wrong_and_names_the_entry),
        cmocka_unit_test(quiz_user_access_to_supervisor_page_names_the_level),
        cmocka_unit_test(quiz_gp_and_pf_are_told_apart),
        cmocka_unit_test(quiz_missing_right_names_the_entry_that_lacks_it),
        cmocka_unit_test(quiz_garbage_asks_again_without_revealing),
        cmocka_unit_test(quiz_notes_a_stale_tlb_entry),
        cmocka_unit_test(status_line_says_quiz),
        cmocka_unit_test(put_escapes_control_bytes),
        cmocka_unit_test(expect_mark_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
