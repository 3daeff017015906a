/*
 * test_explain.c - the explanation both quizzes word (replay/explain.h) and
 * the one string builder (replay/strbuf.h), on hand-made walks: the
 * outcome, frame + offset, the rights combined over the levels that carry
 * them (not a PAE PDPTE), the levels a protection fault is blamed on, a
 * reserved bit above MAXPHYADDR; and a builder that cuts but counts.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "replay/explain.h"
#include "replay/strbuf.h"
#include "sim/x86.h"

static struct mmu_result walk(unsigned n, const uint64_t *entries, const uint8_t *levels)
{
    struct mmu_result r;
    memset(&r, 0, sizeof r);
    r.nsteps = (uint8_t)n;
    for (unsigned i = 0; i < n; i++)
        r.steps[i] = (struct walk_step){levels[i], (uint16_t)i, 0x1000 * (i + 1), 0, entries[i]};
    return r;
}

static void a_translation_is_page_base_plus_offset(void **state)
{
    (void)state;
    static const uint8_t lv[] = {LVL_PDE};
    static const uint64_t en[] = {0x00400083};
    struct mmu_result r = walk(1, en, lv);
    r.pa = 0x00412345;
    r.page_size = UINT64_C(4) << 20;
    struct explain e;
    explain_translation(PAGING_PSE, 32, true, &r, &e);
    assert_int_equal(e.outcome, EXPLAIN_ADDR);
    assert_hex_equal(e.page_base, 0x00400000);
    assert_hex_equal(e.offset, 0x12345);
    assert_int_equal(e.offset_hi, 21);
    assert_int_equal(e.blamed, 0);
    r.page_size = X86_PAGE_SIZE;
    explain_translation(PAGING_PSE, 32, true, &r, &e);
    assert_hex_equal(e.offset, 0x345);
    assert_int_equal(e.offset_hi, 11);
}

static void rights_skip_a_pae_pdpte_and_blame_the_levels_that_lack_them(void **state)
{
    (void)state;
    static const uint8_t lv[] = {LVL_PDPTE, LVL_PDE, LVL_PTE};
    /* The PDPTE has neither R/W nor U/S (PAE has none there); the PDE is
     * user and writable, the PTE supervisor and read-only. */
    static const uint64_t en[] = {0x2001, 0x3007, 0x4001};
    struct mmu_result r = walk(3, en, lv);
    r.fault = (struct mmu_fault){X86_VEC_PF, FAULT_USER_SUPERVISOR, X86_PF_P | X86_PF_U, 0};
    struct explain e;
    explain_translation(PAGING_PAE, 36, false, &r, &e);
    assert_true(e.outcome == EXPLAIN_PF && e.first == 1);
    /* Only the PDE has R/W=1 and U/S=1: neither right holds everywhere. */
    assert_true(e.rw_bits == 0x2 && e.us_bits == 0x2);
    assert_false(e.rw || e.us);
    assert_int_equal(e.blamed, 0x4); /* the PTE only: the PDPTE carries no U/S */
    /* The same walk in 4-level paging: the top entry counts too. */
    static const uint8_t lv4[] = {LVL_PDPTE, LVL_PDE, LVL_PTE};
    r = walk(3, en, lv4);
    r.fault = (struct mmu_fault){X86_VEC_PF, FAULT_WRITE_PROTECT, X86_PF_P | X86_PF_W, 0};
    explain_translation(PAGING_LONG, 36, false, &r, &e);
    assert_int_equal(e.first, 0);
    assert_int_equal(e.blamed, 0x5);
    assert_true(explain_has_rights(PAGING_LONG, LVL_PDPTE));
    assert_false(explain_has_rights(PAGING_PAE, LVL_PDPTE));
    assert_true(explain_has_rights(PAGING_PAE, LVL_PDE));
}

static void execute_disable_is_ored_and_blamed_where_set(void **state)
{
    (void)state;
    static const uint8_t lv[] = {LVL_PML4E, LVL_PDPTE, LVL_PDE, LVL_PTE};
    static const uint64_t en[] = {0x2007, 0x3007 | X86_PTE_XD, 0x4007, 0x5007};
    struct mmu_result r = walk(4, en, lv);
    r.fault = (struct mmu_fault){X86_VEC_PF, FAULT_EXECUTE_DISABLE, X86_PF_P | X86_PF_ID, 0};
    struct explain e;
    explain_translation(PAGING_LONG, 36, false, &r, &e);
    assert_int_equal(e.xd, 1);
    assert_int_equal(e.xd_bits, 0x2);
    assert_int_equal(e.blamed, 0x2);
    assert_int_equal(e.rw, 1);
    assert_int_equal(e.us, 1);
}

static void reserved_bits_above_maxphyaddr_are_told(void **state)
{
    (void)state;
    static const uint8_t lv[] = {LVL_PDPTE, LVL_PDE};
    static const uint64_t en[] = {0x2001, UINT64_C(0x0000008000003001)}; /* bit 39 */
    struct mmu_result r = walk(2, en, lv);
    r.fault = (struct mmu_fault){X86_VEC_PF, FAULT_RESERVED_BIT, X86_PF_P | X86_PF_RSVD, 0};
    struct explain e;
    explain_translation(PAGING_PAE, 36, false, &r, &e);
    assert_true(e.rsvd_high);
    explain_translation(PAGING_PAE, 40, false, &r, &e);
    assert_false(e.rsvd_high);
    r.fault = (struct mmu_fault){X86_VEC_GP, FAULT_NON_CANONICAL, 0, 0};
    r.nsteps = 0;
    explain_translation(PAGING_LONG, 36, false, &r, &e);
    assert_int_equal(e.outcome, EXPLAIN_GP);
    assert_false(e.rsvd_high);
}

static void error_code_bits_are_named(void **state)
{
    (void)state;
    char buf[64];
    struct strbuf s = strbuf_make(buf, sizeof buf);
    explain_error_code_bits(&s, X86_PF_P | X86_PF_W | X86_PF_ID);
    assert_string_equal(buf, "P=1 W/R=1 U/S=0 RSVD=0 I/D=1");
    assert_int_equal(s.pos, strlen(buf));
}

static void strbuf_cuts_but_counts_like_snprintf(void **state)
{
    (void)state;
    char buf[8];
    struct strbuf s = strbuf_make(buf, sizeof buf);
    strbuf_printf(&s, "%s", "abc");
    strbuf_printf(&s, "%d", 12345);
    assert_string_equal(buf, "abc1234");
    assert_int_equal(s.pos, 8);
    strbuf_printf(&s, "xyz");
    assert_string_equal(buf, "abc1234");
    assert_int_equal(s.pos, 11);
    struct strbuf count = strbuf_make(NULL, 0); /* counting only */
    strbuf_printf(&count, "%s", "hello");
    assert_int_equal(count.pos, 5);
}

static void strbuf_escapes_text_from_a_trace(void **state)
{
    (void)state;
    char buf[32];
    struct strbuf s = strbuf_make(buf, sizeof buf);
    strbuf_printf(&s, "say: ");
    strbuf_escaped(&s, "a\tb");
    assert_null(strchr(buf, '\t'));
    assert_int_equal(strncmp(buf, "say: a", 6), 0);
    assert_int_equal(s.pos, strlen(buf));
    char small[4];
    s = strbuf_make(small, sizeof small);
    strbuf_escaped(&s, "abcdef");
    assert_true(s.pos >= sizeof small); /* cut short, and says so */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_translation_is_page_base_plus_offset),
        cmocka_unit_test(rights_skip_a_pae_pdpte_and_blame_the_levels_that_lack_them),
        cmocka_unit_test(execute_disable_is_ored_and_blamed_where_set),
        cmocka_unit_test(reserved_bits_above_maxphyaddr_are_told),
        cmocka_unit_test(error_code_bits_are_named),
        cmocka_unit_test(strbuf_cuts_but_counts_like_snprintf),
        cmocka_unit_test(strbuf_escapes_text_from_a_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
