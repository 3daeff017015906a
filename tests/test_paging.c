/*
 * test_paging.c - the paging description of sim/paging.h: each mode's row
 * against the SDM's figures (written out as literals, never computed from
 * the header), the entry decode (PSE-36, MAXPHYADDR, large pages), the flag
 * table's reading of bit 7, and the agreement of all of it with the walk the
 * MMU does on tables built here by hand.
 */
#include "helpers.h"

#include "sim/cpu.h"
#include "sim/mmu.h"
#include "sim/paging.h"
#include "sim/phys.h"
#include "sim/x86.h"

#define RAM_SIZE (UINT64_C(8) << 20)

/* SDM figures 4-2/4-3 (32-bit), 4-5..4-7 (PAE), 4-8..4-10 (4-level). */
static void rows_match_the_sdm_figures(void **state)
{
    (void)state;
    static const struct {
        enum paging_mode mode;
        const char *name;
        unsigned nlevels, entry_bytes, va_bits;
        uint8_t level[4], shift[4], bits[4];
        bool large[4];
    } want[] = {
        {PAGING_32, "32-bit", 2, 4, 32, {LVL_PDE, LVL_PTE}, {22, 12}, {10, 10}, {false, false}},
        {PAGING_PSE, "PSE", 2, 4, 32, {LVL_PDE, LVL_PTE}, {22, 12}, {10, 10}, {true, false}},
        {PAGING_PAE,
         "PAE",
         3,
         8,
         32,
         {LVL_PDPTE, LVL_PDE, LVL_PTE},
         {30, 21, 12},
         {2, 9, 9},
         {false, true, false}},
        {PAGING_LONG,
         "4-level",
         4,
         8,
         48,
         {LVL_PML4E, LVL_PDPTE, LVL_PDE, LVL_PTE},
         {39, 30, 21, 12},
         {9, 9, 9, 9},
         {false, true, true, false}},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct paging_geom *g = paging_geom(want[i].mode);
        assert_non_null(g);
        assert_int_equal(g->mode, want[i].mode);
        assert_string_equal(g->name, want[i].name);
        assert_int_equal(g->nlevels, want[i].nlevels);
        assert_int_equal(g->entry_bytes, want[i].entry_bytes);
        assert_int_equal(paging_va_bits(g), want[i].va_bits);
        assert_int_equal(g->pdpte_regs, want[i].mode == PAGING_PAE);
        assert_int_equal(g->canonical, want[i].mode == PAGING_LONG);
        for (unsigned d = 0; d < g->nlevels; d++) {
            assert_int_equal(g->lv[d].level, want[i].level[d]);
            assert_int_equal(g->lv[d].shift, want[i].shift[d]);
            assert_int_equal(g->lv[d].bits, want[i].bits[d]);
            assert_int_equal(g->lv[d].large, want[i].large[d]);
            assert_int_equal(paging_depth(g, (enum walk_level)want[i].level[d]), (int)d);
        }
    }
    assert_null(paging_geom(PAGING_OFF));
    assert_null(paging_geom((enum paging_mode)77));
    assert_int_equal(paging_depth(paging_geom(PAGING_32), LVL_PML4E), -1);
    assert_int_equal(paging_nentries(paging_geom(PAGING_PAE), 0), 4);
    assert_int_equal(paging_nentries(paging_geom(PAGING_32), 1), 1024);
    assert_hex_equal(paging_span(paging_geom(PAGING_LONG), 0), UINT64_C(512) << 30);
}

/* The index fields of one address in every mode, as the figures cut it. */
static void index_fields_are_cut_as_the_figures_show(void **state)
{
    (void)state;
    const struct paging_geom *g32 = paging_geom(PAGING_32);
    const struct paging_geom *pae = paging_geom(PAGING_PAE);
    const struct paging_geom *lng = paging_geom(PAGING_LONG);
    /* 0xD0345ABC: 1101000000 1101000101 101010111100 */
    assert_int_equal(paging_index(g32, 0, 0xD0345ABC), 0x340);
    assert_int_equal(paging_index(g32, 1, 0xD0345ABC), 0x345);
    /* 11 010000001 101000101 101010111100 */
    assert_int_equal(paging_index(pae, 0, 0xD0345ABC), 3);
    assert_int_equal(paging_index(pae, 1, 0xD0345ABC), 0x81);
    assert_int_equal(paging_index(pae, 2, 0xD0345ABC), 0x145);
    uint64_t va = UINT64_C(0xFFFF812345678ABC);
    assert_int_equal(paging_index(lng, 0, va), 0x102);
    assert_int_equal(paging_index(lng, 1, va), 0x8D);
    assert_int_equal(paging_index(lng, 2, va), 0x2B);
    assert_int_equal(paging_index(lng, 3, va), 0x78);
    /* Linear addresses: 32 bits, or sign-extended from bit 47. */
    assert_hex_equal(paging_va_canon(g32, UINT64_C(0x1D0345ABC)), 0xD0345ABC);
    assert_hex_equal(paging_va_canon(lng, UINT64_C(0x0000812345678ABC)), va);
    assert_hex_equal(paging_va_canon(lng, UINT64_C(0x00007FFFFFFFFFFF)),
                     UINT64_C(0x00007FFFFFFFFFFF));
}

/* The MMU's checks of a linear address: canonical means bits 63:47 equal
 * in 4-level paging (SDM 3.3.7.1); the other modes cut to 32 bits. */
static void va_checks_read_the_row(void **state)
{
    (void)state;
    const struct paging_geom *lng = paging_geom(PAGING_LONG);
    assert_true(paging_va_ok(lng, UINT64_C(0x00007FFFFFFFFFFF)));
    assert_true(paging_va_ok(lng, UINT64_C(0xFFFF800000000000)));
    assert_true(paging_va_ok(lng, 0));
    assert_true(paging_va_ok(lng, ~UINT64_C(0)));
    assert_false(paging_va_ok(lng, UINT64_C(0x0000800000000000)));
    assert_false(paging_va_ok(lng, UINT64_C(0xFFFF7FFFFFFFFFFF)));
    assert_false(paging_va_ok(lng, UINT64_C(0x8000000000000000)));
    assert_false(paging_va_ok(lng, UINT64_C(0x0001000000000000)));
    const enum paging_mode narrow[] = {PAGING_32, PAGING_PSE, PAGING_PAE};
    for (unsigned i = 0; i < 3; i++) {
        assert_true(paging_va_ok(paging_geom(narrow[i]), UINT64_C(0x0000800000000000)));
        assert_hex_equal(paging_mode_va_cut(narrow[i], UINT64_C(0xABCD1234D0345ABC)), 0xD0345ABC);
    }
    assert_hex_equal(paging_mode_va_cut(PAGING_LONG, UINT64_C(0xFFFF812345678ABC)),
                     UINT64_C(0xFFFF812345678ABC));
}

/* SDM table 4-4 (PSE-36), 4.4/4.5 (bits M-1:12), large pages' low bits. */
static void entries_decode_per_format(void **state)
{
    (void)state;
    const struct paging_geom *g32 = paging_geom(PAGING_32);
    const struct paging_geom *pse = paging_geom(PAGING_PSE);
    const struct paging_geom *pae = paging_geom(PAGING_PAE);
    const struct paging_geom *lng = paging_geom(PAGING_LONG);
    /* PSE-36: bits 31:22 are PA 31:22, bits 20:13 PA 39:32. */
    assert_hex_equal(paging_pse36_addr(0x00402083), UINT64_C(0x100400000));
    assert_hex_equal(paging_pse36_addr(0xFFDFE083), UINT64_C(0xFFFFC00000));
    assert_hex_equal(paging_pse36_bits(UINT64_C(0xAB12C00000)), 0x12D56000);
    assert_true(paging_is_leaf(pse, 0, 0x00402083));
    assert_hex_equal(paging_entry_addr(pse, 0, 0x00402083, 40), UINT64_C(0x100400000));
    /* Without CR4.PSE bit 7 of a PDE is ignored: a table at bits 31:12. */
    assert_false(paging_is_leaf(g32, 0, 0x00402083));
    assert_hex_equal(paging_entry_addr(g32, 0, 0x00402083, 40), 0x00402000);
    assert_true(paging_is_leaf(g32, 1, 0x00402083));
    assert_hex_equal(paging_entry_addr(g32, 1, 0x00402083, 40), 0x00402000);
    /* 64-bit: M-1:12; XD and bits 62:M are no address. */
    assert_hex_equal(paging_entry_addr(lng, 3, UINT64_C(0x800F00FFFFFFF063), 40),
                     UINT64_C(0xFFFFFFF000));
    assert_hex_equal(paging_entry_addr(lng, 3, UINT64_C(0x800F00FFFFFFF063), 52),
                     UINT64_C(0xF00FFFFFFF000));
    /* Large pages drop their PAT bit (12) and the bits below their size. */
    assert_hex_equal(paging_entry_addr(pae, 1, 0x80201083, 40), 0x80200000);
    assert_false(paging_is_leaf(pae, 0, 0x40000081)); /* PAE PDPTE: never a page */
    assert_true(paging_is_leaf(lng, 1, 0x40001081));
    assert_hex_equal(paging_entry_addr(lng, 1, UINT64_C(0x8040001083), 40), UINT64_C(0x8040000000));
    assert_false(paging_is_leaf(lng, 0, 0x81));
    /* Encoding is the inverse of decoding. */
    assert_hex_equal(paging_leaf_addr_bits(pse, 0, UINT64_C(0x100400000), 40), 0x00402000);
    assert_hex_equal(paging_leaf_addr_bits(lng, 2, UINT64_C(0xA0200000), 40), 0xA0200000);
    /* Reserved bits of large entries (tables 4-4, 4-9, 4-17, 4-18). */
    assert_hex_equal(paging_large_rsvd(pse, 0, 40), 0x00200000);
    assert_hex_equal(paging_large_rsvd(pse, 0, 36), 0x003E0000);
    assert_hex_equal(paging_large_rsvd(pae, 1, 40), 0x001FE000);
    assert_hex_equal(paging_large_rsvd(lng, 1, 40), 0x3FFFE000);
    assert_true(paging_ps_reserved(lng, 0));
    assert_false(paging_ps_reserved(g32, 0));
    assert_false(paging_ps_reserved(lng, 2));
}

/* Bit 7 means one thing per level, and the flag table says which. */
static void flag_table_reads_bit_7_per_level(void **state)
{
    (void)state;
    const struct paging_geom *g32 = paging_geom(PAGING_32);
    const struct paging_geom *pse = paging_geom(PAGING_PSE);
    const struct paging_geom *pae = paging_geom(PAGING_PAE);
    const struct paging_geom *lng = paging_geom(PAGING_LONG);
    assert_null(paging_flag_at(g32, 0, 7)); /* ignored (SDM table 4-6) */
    assert_ptr_equal(paging_flag_at(pse, 0, 7), paging_flag(PFLAG_PS));
    assert_ptr_equal(paging_flag_at(g32, 1, 7), paging_flag(PFLAG_PAT));
    assert_ptr_equal(paging_flag_at(pae, 1, 7), paging_flag(PFLAG_PS));
    assert_ptr_equal(paging_flag_at(pae, 0, 7), paging_flag(PFLAG_RSVD));
    assert_ptr_equal(paging_flag_at(lng, 0, 7), paging_flag(PFLAG_RSVD));
    assert_ptr_equal(paging_flag_at(lng, 1, 7), paging_flag(PFLAG_PS));
    assert_ptr_equal(paging_flag_at(lng, 3, 7), paging_flag(PFLAG_PAT));
    /* A PAE PDPTE holds only P, PWT, PCD (SDM table 4-8). */
    assert_ptr_equal(paging_flag_at(pae, 0, 0), paging_flag(PFLAG_P));
    assert_ptr_equal(paging_flag_at(pae, 0, 1), paging_flag(PFLAG_RSVD));
    assert_ptr_equal(paging_flag_at(pae, 0, 3), paging_flag(PFLAG_PWT));
    assert_ptr_equal(paging_flag_at(pae, 0, 63), paging_flag(PFLAG_RSVD));
    /* XD only in 64-bit entries; bits 9..11 and address bits are no flag. */
    assert_null(paging_flag_at(g32, 1, 63));
    assert_ptr_equal(paging_flag_at(lng, 3, 63), paging_flag(PFLAG_XD));
    assert_null(paging_flag_at(lng, 3, 9));
    assert_null(paging_flag_at(lng, 3, 12));
    /* Masks and letters (the views' column), in a 1 GiB-capable PDPTE. */
    static const char letters[] = "PWUTCADSGX";
    for (unsigned c = 0; c < PAGING_FLAG_COLUMNS; c++) {
        unsigned bit = paging_flag_column_bit(c);
        const struct paging_flag *f = paging_flag_at(lng, 1, bit);
        assert_non_null(f);
        assert_hex_equal(f->mask, UINT64_C(1) << bit);
        assert_int_equal(f->letter, letters[c]);
    }
    assert_int_equal(paging_flag_column_bit(9), 63);
}

/* --- agreement with the MMU's walk ------------------------------------------ */

struct fx {
    struct phys *ph;
    struct cpu cpu;
    struct mmu m;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->ph = phys_create(RAM_SIZE);
    assert_non_null(f->ph);
    cpu_reset(&f->cpu, X86_MAXPHYADDR_DEFAULT);
    f->m = (struct mmu){f->ph, &f->cpu, NULL, NULL};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    phys_destroy(f->ph);
    free(f);
    return 0;
}

/* Probes va and checks every step against the description: the level and
 * index of each depth, the next table's address, and at the leaf the page
 * base and size. Returns the physical address. */
static uint64_t probe_agrees(struct fx *f, enum paging_mode mode, uint64_t va)
{
    const struct paging_geom *g = paging_geom(mode);
    struct mmu_request rq = {va, MMU_READ, false, true};
    struct mmu_result r;
    assert_true(mmu_translate(&f->m, &rq, &r));
    assert_true(r.nsteps >= 1 && r.nsteps <= g->nlevels);
    for (unsigned d = 0; d < r.nsteps; d++) {
        const struct walk_step *s = &r.steps[d];
        assert_int_equal(s->level, g->lv[d].level);
        assert_int_equal(s->index, paging_index(g, d, va));
        assert_hex_equal(s->entry_addr, s->table + (uint64_t)s->index * g->entry_bytes);
        bool leaf = paging_is_leaf(g, d, s->entry);
        assert_int_equal(leaf, d + 1 == r.nsteps);
        uint64_t addr = paging_entry_addr(g, d, s->entry, f->cpu.maxphyaddr);
        if (!leaf) {
            assert_hex_equal(r.steps[d + 1].table, addr);
            continue;
        }
        assert_hex_equal(r.page_size, paging_span(g, d));
        assert_hex_equal(r.pa, addr | (va & (paging_span(g, d) - 1)));
    }
    return r.pa;
}

static void st(struct fx *f, const struct paging_geom *g, uint64_t pa, uint64_t v)
{
    if (g->entry_bytes == 4)
        assert_true(phys_store32(f->ph, pa, (uint32_t)v));
    else
        assert_true(phys_store64(f->ph, pa, v));
}

static void walk_32_and_pse_agree(void **state)
{
    struct fx *f = *state;
    const struct paging_geom *g = paging_geom(PAGING_32);
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_PG;
    f->cpu.cr3 = 0x1000;
    st(f, g, 0x1000 + 0x340 * 4, 0x2003); /* PDE 832 -> PT at 0x2000 */
    st(f, g, 0x2000 + 0x345 * 4, 0x00123003);
    st(f, g, 0x1000 + 1 * 4, 0x00402083); /* PDE 1, PS=1, PSE-36 PA 39:32 = 1 */
    st(f, g, 0x00402000, 0x00456003);     /* read as a PTE only without PSE */
    /* No PSE: 4 KiB pages only, bit 7 of the PDE ignored. */
    assert_hex_equal(probe_agrees(f, PAGING_32, 0xD0345ABC), 0x00123ABC);
    assert_hex_equal(probe_agrees(f, PAGING_32, 0x00400123), 0x00456123);
    /* CR4.PSE: the same PDE maps 4 MiB at PA 0x1_0040_0000. */
    f->cpu.cr4 = X86_CR4_PSE;
    assert_hex_equal(probe_agrees(f, PAGING_PSE, 0xD0345ABC), 0x00123ABC);
    assert_hex_equal(probe_agrees(f, PAGING_PSE, 0x00400123), UINT64_C(0x100400123));
}

static void walk_pae_agrees(void **state)
{
    struct fx *f = *state;
    const struct paging_geom *g = paging_geom(PAGING_PAE);
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_PG;
    f->cpu.cr4 = X86_CR4_PAE;
    f->cpu.cr3 = 0x1000;
    f->cpu.pdpte[3] = 0x2001;
    f->cpu.pdpte[0] = 0x4001;
    st(f, g, 0x2000 + 0x81 * 8, 0x3003);
    st(f, g, 0x3000 + 0x145 * 8, UINT64_C(0x1234567003));
    st(f, g, 0x4000 + 2 * 8, 0x80201083); /* 2 MiB, PAT set */
    assert_hex_equal(probe_agrees(f, PAGING_PAE, 0xD0345ABC), UINT64_C(0x1234567ABC));
    assert_hex_equal(probe_agrees(f, PAGING_PAE, 0x00400123), 0x80200123);
}

static void walk_long_agrees(void **state)
{
    struct fx *f = *state;
    const struct paging_geom *g = paging_geom(PAGING_LONG);
    f->cpu.cr0 = X86_CR0_PE | X86_CR0_PG;
    f->cpu.cr4 = X86_CR4_PAE;
    f->cpu.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
    f->cpu.cr3 = 0x1000;
    st(f, g, 0x1000 + 0x102 * 8, 0x2003);
    st(f, g, 0x2000 + 0x8D * 8, 0x3003);
    st(f, g, 0x3000 + 0x2B * 8, 0x4003);
    st(f, g, 0x4000 + 0x78 * 8, UINT64_C(0x8000000123456003));
    st(f, g, 0x1000, 0x5003);
    st(f, g, 0x5000 + 0x100 * 8, UINT64_C(0x8040001083)); /* 1 GiB */
    st(f, g, 0x5000, 0x6003);
    st(f, g, 0x6000 + 3 * 8, 0xA0200083); /* 2 MiB */
    assert_hex_equal(probe_agrees(f, PAGING_LONG, UINT64_C(0xFFFF812345678ABC)),
                     UINT64_C(0x123456ABC));
    assert_hex_equal(probe_agrees(f, PAGING_LONG, UINT64_C(0x4012345678)), UINT64_C(0x8052345678));
    assert_hex_equal(probe_agrees(f, PAGING_LONG, 0x654321), 0xA0254321);
    /* Bit 7 of a PML4E is reserved, as paging_ps_reserved says. */
    st(f, g, 0x1000 + 0x1FF * 8, 0x7083);
    struct mmu_request rq = {UINT64_C(0xFFFFFF8000000000), MMU_READ, false, true};
    struct mmu_result r;
    assert_false(mmu_translate(&f->m, &rq, &r));
    assert_int_equal(r.fault.reason, FAULT_RESERVED_BIT);
}

/* paging_scan: every present entry once, top down in index order, with the
 * decode of the description; a budget cuts it short. */
struct seen {
    unsigned n;
    struct paging_visit v[16];
};

static void remember(void *ctx, const struct paging_visit *v)
{
    struct seen *s = ctx;
    if (s->n < 16)
        s->v[s->n] = *v;
    s->n++;
}

static void scan_visits_present_entries_in_order(void **state)
{
    struct fx *f = *state;
    const struct paging_geom *g = paging_geom(PAGING_LONG);
    st(f, g, 0x1000, 0x5003);                             /* PML4E 0 */
    st(f, g, 0x1000 + 0x102 * 8, 0x2003);                 /* PML4E 258 */
    st(f, g, 0x5000 + 0x100 * 8, UINT64_C(0x8040001083)); /* 1 GiB page */
    st(f, g, 0x2000 + 0x8D * 8, 0x3003);
    st(f, g, 0x3000 + 0x2B * 8, 0xA0200083); /* 2 MiB page */
    struct seen s = {0};
    assert_true(paging_scan(f->ph, g, 0x1000, 40, 1u << 20, remember, &s));
    assert_int_equal(s.n, 5);
    assert_int_equal(s.v[0].depth, 0);
    assert_hex_equal(s.v[0].addr, 0x5000);
    assert_false(s.v[0].leaf);
    assert_int_equal(s.v[1].depth, 1);
    assert_hex_equal(s.v[1].va, UINT64_C(0x4000000000));
    assert_hex_equal(s.v[1].addr, UINT64_C(0x8040000000));
    assert_true(s.v[1].leaf);
    assert_hex_equal(s.v[2].va, UINT64_C(0xFFFF810000000000)); /* sign-extended */
    assert_hex_equal(s.v[3].va, UINT64_C(0xFFFF812340000000));
    assert_int_equal(s.v[4].depth, 2);
    assert_int_equal(s.v[4].index, 0x2B);
    assert_hex_equal(s.v[4].va, UINT64_C(0xFFFF812345600000));
    assert_hex_equal(s.v[4].addr, 0xA0200000);
    assert_true(s.v[4].leaf);
    /* 200 entries: the budget runs out in the first PDPT, before entry 256. */
    s.n = 0;
    assert_false(paging_scan(f->ph, g, 0x1000, 40, 200, remember, &s));
    assert_int_equal(s.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_match_the_sdm_figures),
        cmocka_unit_test(index_fields_are_cut_as_the_figures_show),
        cmocka_unit_test(va_checks_read_the_row),
        cmocka_unit_test(entries_decode_per_format),
        cmocka_unit_test(flag_table_reads_bit_7_per_level),
        cmocka_unit_test_setup_teardown(walk_32_and_pse_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_pae_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_long_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_visits_present_entries_in_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
