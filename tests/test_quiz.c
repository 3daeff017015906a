/*
 * test_quiz.c - the translation quiz generator (replay/quiz.h).
 *
 * Every answer is checked twice: against machine_probe() on the same machine,
 * and against a small walker of this file that reads the tables from the
 * simulated RAM with phys loads and applies the SDM Vol. 3A chapter 4 rules
 * itself (4.3 32-bit and PSE-36, 4.4 PAE, 4.5 4-level, 4.6 rights, 4.7 error
 * codes), without any code of sim/mmu.c. Also: determinism for a seed, the
 * mix of kinds, the table list, the bounds of the count, the text buffers.
 */
#include "helpers.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "replay/quiz.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/phys.h"
#include "sim/x86.h"

static const enum paging_mode modes[] = {PAGING_32, PAGING_PSE, PAGING_PAE, PAGING_LONG};

static struct quiz *make(enum paging_mode p, uint64_t seed, unsigned count)
{
    struct quiz_config c;
    quiz_config_default(&c);
    c.paging = p;
    c.seed = seed;
    c.count = count;
    enum machine_status st = MACHINE_ERR_CONFIG;
    struct quiz *q = quiz_create(&c, &st);
    assert_non_null(q);
    assert_int_equal(st, MACHINE_OK);
    return q;
}

/* --- an independent walker --------------------------------------------------- */

struct ref {
    bool ok;
    uint64_t pa, size;
    unsigned vector;
    uint32_t ec;
    unsigned nsteps;
    uint64_t entry_addr[4];
};

static struct ref fault(struct ref r, bool present, bool rsvd, enum mmu_access acc, bool user,
                        bool nxe)
{
    r.ok = false;
    r.vector = 14;
    r.ec = (present ? 1u : 0u) | (acc == MMU_WRITE ? 2u : 0u) | (user ? 4u : 0u) |
           (rsvd ? 8u : 0u) | (acc == MMU_EXEC && nxe ? 16u : 0u);
    return r;
}

static uint64_t rd(const struct phys *p, bool wide, uint64_t ea)
{
    return wide ? phys_load64(p, ea) : phys_load32(p, ea);
}

static struct ref ref_walk(const struct machine *m, uint64_t va, enum mmu_access acc, bool user)
{
    const struct cpu *c = machine_cpu(m);
    const struct phys *p = machine_phys(m);
    struct ref r;
    memset(&r, 0, sizeof r);
    bool pae = (c->cr4 & (UINT64_C(1) << 5)) != 0;
    bool lm = pae && (c->efer & (UINT64_C(1) << 8)) != 0;
    bool nxe = pae && (c->efer & (UINT64_C(1) << 11)) != 0;
    bool pse = (c->cr4 & (UINT64_C(1) << 4)) != 0;
    bool wp = (c->cr0 & (UINT64_C(1) << 16)) != 0;
    uint64_t amask = UINT64_C(0x000000FFFFFFF000); /* MAXPHYADDR 40 */
    uint64_t high_rsvd = UINT64_C(0x7FFFFF0000000000);

    int levels; /* shifts of the levels, top down */
    unsigned shift[4];
    uint64_t table;
    if (lm) {
        uint64_t top = va >> 47;
        if (top != 0 && top != 0x1FFFF) {
            r.vector = 13;
            return r;
        }
        levels = 4;
        shift[0] = 39, shift[1] = 30, shift[2] = 21, shift[3] = 12;
        table = c->cr3 & amask;
    } else if (pae) {
        uint64_t ea = (c->cr3 & 0xFFFFFFE0u) + ((va >> 30) & 3) * 8;
        uint64_t e = phys_load64(p, ea);
        r.entry_addr[r.nsteps++] = ea;
        if (!(e & 1))
            return fault(r, false, false, acc, user, nxe);
        levels = 2;
        shift[0] = 21, shift[1] = 12;
        table = e & amask;
    } else {
        levels = 2;
        shift[0] = 22, shift[1] = 12;
        table = c->cr3 & 0xFFFFF000u;
    }
    bool wide = pae;
    unsigned bits = wide ? 9 : 10;
    unsigned esize = wide ? 8 : 4;
    uint64_t rw = 1, us = 1, xd = 0;
    for (int l = 0; l < levels; l++) {
        uint64_t idx = (va >> shift[l]) & ((UINT64_C(1) << bits) - 1);
        uint64_t ea = table + idx * esize;
        uint64_t e = rd(p, wide, ea);
        r.entry_addr[r.nsteps++] = ea;
        if (!(e & 1))
            return fault(r, false, false, acc, user, nxe);
        if (wide && ((e & high_rsvd) || (!nxe && (e >> 63))))
            return fault(r, true, true, acc, user, nxe);
        rw &= (e >> 1) & 1;
        us &= (e >> 2) & 1;
        xd |= e >> 63;
        bool last = l == levels - 1;
        bool large = !last && (e & 0x80) && (wide ? shift[l] <= 30 && !(lm && l == 0) : pse);
        if (last || large) {
            r.size = UINT64_C(1) << shift[l];
            uint64_t base;
            if (!wide && large)
                base = (e & 0xFFC00000u) | ((e >> 13) & 0xFF) << 32;
            else
                base = e & amask & ~(r.size - 1);
            if (user && !us)
                return fault(r, true, false, acc, user, nxe);
            if (acc == MMU_WRITE && !rw && (user || wp))
                return fault(r, true, false, acc, user, nxe);
            if (acc == MMU_EXEC && nxe && xd)
                return fault(r, true, false, acc, user, nxe);
            r.ok = true;
            r.pa = base | (va & (r.size - 1));
            return r;
        }
        table = e & (wide ? amask : 0xFFFFF000u);
    }
    return r; /* not reached */
}

static void check_against_ref(const struct quiz *q)
{
    const struct machine *m = quiz_machine(q);
    for (unsigned i = 0; i < quiz_count(q); i++) {
        const struct quiz_question *qq = quiz_question(q, i);
        struct ref r = ref_walk(m, qq->va, qq->access, qq->user);
        if (r.ok != qq->ok)
            fprintf(stderr, "# question %u va 0x%" PRIx64 " ok %d ref %d\n", i, qq->va, qq->ok,
                    r.ok);
        assert_int_equal(qq->ok, r.ok);
        if (r.ok) {
            assert_hex_equal(qq->answer.pa, r.pa);
            assert_hex_equal(qq->answer.page_size, r.size);
            assert_int_equal(qq->answer.fault.vector, 0);
        } else {
            assert_int_equal(qq->answer.fault.vector, r.vector);
            if (r.vector == 14) {
                assert_hex_equal(qq->answer.fault.error_code, r.ec);
                assert_hex_equal(qq->answer.fault.addr, qq->va);
            }
        }
        /* The walk the explanation is made of is the one the hardware reads. */
        assert_int_equal(qq->answer.nsteps, r.nsteps);
        for (unsigned s = 0; s < r.nsteps; s++)
            assert_hex_equal(qq->answer.steps[s].entry_addr, r.entry_addr[s]);
    }
}

static void answers_match_an_independent_walk(enum paging_mode p)
{
    for (uint64_t seed = 1; seed <= 25; seed++) {
        struct quiz *q = make(p, seed * UINT64_C(0x9E3779B9), QUIZ_MAX_QUESTIONS);
        check_against_ref(q);
        quiz_destroy(q);
    }
}

static void answers_match_an_independent_walk_in_32bit_paging(void **state)
{
    (void)state;
    answers_match_an_independent_walk(PAGING_32);
}

static void answers_match_an_independent_walk_with_pse(void **state)
{
    (void)state;
    answers_match_an_independent_walk(PAGING_PSE);
}

static void answers_match_an_independent_walk_in_pae_paging(void **state)
{
    (void)state;
    answers_match_an_independent_walk(PAGING_PAE);
}

static void answers_match_an_independent_walk_in_4level_paging(void **state)
{
    (void)state;
    answers_match_an_independent_walk(PAGING_LONG);
}

/* --- the probe ------------------------------------------------------------- */

static void answers_equal_machine_probe_and_probing_changes_nothing(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        struct quiz *q = make(modes[k], 11, 60);
        const struct machine *m = quiz_machine(q);
        uint64_t h = machine_hash(m);
        for (unsigned i = 0; i < quiz_count(q); i++) {
            const struct quiz_question *qq = quiz_question(q, i);
            struct mmu_result r;
            memset(&r, 0, sizeof r);
            bool ok = machine_probe(m, qq->va, qq->access, qq->user, &r);
            assert_int_equal(ok, qq->ok);
            assert_hex_equal(r.pa, qq->answer.pa);
            assert_hex_equal(r.page_size, qq->answer.page_size);
            assert_int_equal(r.fault.vector, qq->answer.fault.vector);
            assert_hex_equal(r.fault.error_code, qq->answer.fault.error_code);
            assert_int_equal(r.fault.reason, qq->answer.fault.reason);
            assert_int_equal(r.nsteps, qq->answer.nsteps);
        }
        assert_hex_equal(machine_hash(m), h);
        quiz_destroy(q);
    }
}

/* --- determinism ------------------------------------------------------------ */

static bool same_question(const struct quiz_question *a, const struct quiz_question *b)
{
    return a->kind == b->kind && a->va == b->va && a->access == b->access && a->user == b->user &&
           a->ok == b->ok && a->answer.pa == b->answer.pa &&
           a->answer.fault.vector == b->answer.fault.vector &&
           a->answer.fault.error_code == b->answer.fault.error_code;
}

static void same_seed_gives_the_same_quiz(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        struct quiz *a = make(modes[k], 42, QUIZ_MAX_QUESTIONS);
        struct quiz *b = make(modes[k], 42, QUIZ_MAX_QUESTIONS);
        assert_hex_equal(machine_hash(quiz_machine(a)), machine_hash(quiz_machine(b)));
        assert_int_equal(quiz_count(a), quiz_count(b));
        for (unsigned i = 0; i < quiz_count(a); i++)
            assert_true(same_question(quiz_question(a, i), quiz_question(b, i)));
        assert_int_equal(quiz_table_count(a), quiz_table_count(b));
        for (unsigned i = 0; i < quiz_table_count(a); i++)
            assert_hex_equal(quiz_table(a, i)->pa, quiz_table(b, i)->pa);
        char ta[8192], tb[8192];
        for (unsigned i = 0; i < quiz_count(a); i++) {
            quiz_explain(a, i, ta, sizeof ta);
            quiz_explain(b, i, tb, sizeof tb);
            assert_string_equal(ta, tb);
        }
        quiz_destroy(a);
        quiz_destroy(b);
    }
}

static void different_seeds_give_different_quizzes(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        for (uint64_t seed = 1; seed <= 5; seed++) {
            struct quiz *a = make(modes[k], seed, QUIZ_DEFAULT_COUNT);
            struct quiz *b = make(modes[k], seed + 1, QUIZ_DEFAULT_COUNT);
            bool differ = false;
            for (unsigned i = 0; i < quiz_count(a); i++)
                differ |= !same_question(quiz_question(a, i), quiz_question(b, i));
            assert_true(differ);
            quiz_destroy(a);
            quiz_destroy(b);
        }
    }
}

/* --- the mix ---------------------------------------------------------------- */

static void every_quiz_of_two_or_more_mixes_successes_and_faults(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        for (unsigned count = 2; count <= 6; count++) {
            for (uint64_t seed = 1; seed <= 8; seed++) {
                struct quiz *q = make(modes[k], seed, count);
                unsigned ok = 0, bad = 0;
                for (unsigned i = 0; i < quiz_count(q); i++) {
                    if (quiz_question(q, i)->ok)
                        ok++;
                    else
                        bad++;
                }
                assert_int_equal(ok + bad, count);
                assert_true(ok >= 1);
                assert_true(bad >= 1);
                quiz_destroy(q);
            }
        }
    }
}

static void a_long_quiz_shows_every_kind_the_mode_has(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        enum paging_mode p = modes[k];
        bool wide = p == PAGING_PAE || p == PAGING_LONG;
        struct quiz *q = make(p, 5, QUIZ_MAX_QUESTIONS);
        unsigned seen[QUIZ_KIND_COUNT] = {0};
        unsigned large = 0, gp = 0, np_pte = 0, np_upper = 0, user_sup = 0, xd = 0;
        for (unsigned i = 0; i < quiz_count(q); i++) {
            const struct quiz_question *qq = quiz_question(q, i);
            const struct mmu_result *r = &qq->answer;
            seen[qq->kind]++;
            if (qq->ok && r->page_size > X86_PAGE_SIZE)
                large++;
            if (!qq->ok && r->fault.vector == X86_VEC_GP)
                gp++;
            if (!qq->ok && r->fault.vector == X86_VEC_PF && !(r->fault.error_code & X86_PF_P)) {
                if (r->steps[r->nsteps - 1].level == LVL_PTE)
                    np_pte++;
                else
                    np_upper++;
            }
            if (!qq->ok && qq->user &&
                (r->fault.error_code & (X86_PF_U | X86_PF_P)) == (X86_PF_U | X86_PF_P))
                user_sup++;
            if (!qq->ok && (r->fault.error_code & X86_PF_ID))
                xd++;
            /* Kernel-half addresses: the higher half of each mode. */
            if (qq->kind == QUIZ_KERNEL)
                assert_true(qq->va >= UINT64_C(0xC0000000));
        }
        assert_true(seen[QUIZ_HEAP] > 0);
        assert_true(seen[QUIZ_KERNEL] > 0);
        assert_true(seen[QUIZ_IDENTITY] > 0);
        assert_true(np_pte > 0);
        assert_true(np_upper > 0);
        assert_true(user_sup > 0);
        assert_int_equal(large > 0, p != PAGING_32);
        assert_int_equal(gp > 0, p == PAGING_LONG);
        assert_int_equal(xd > 0, wide);
        quiz_destroy(q);
    }
}

/* --- the tables -------------------------------------------------------------- */

static void every_table_on_a_walk_path_is_listed_once(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        struct quiz *q = make(modes[k], 3, 40);
        unsigned nt = quiz_table_count(q);
        assert_true(nt >= 1);
        for (unsigned a = 0; a < nt; a++) {
            for (unsigned b = a + 1; b < nt; b++)
                assert_true(quiz_table(q, a)->pa != quiz_table(q, b)->pa);
        }
        for (unsigned i = 0; i < quiz_count(q); i++) {
            const struct mmu_result *r = &quiz_question(q, i)->answer;
            for (unsigned s = 0; s < r->nsteps; s++) {
                bool found = false;
                for (unsigned t = 0; t < nt; t++) {
                    const struct quiz_table *tb = quiz_table(q, t);
                    if (tb->pa != r->steps[s].table)
                        continue;
                    found = true;
                    assert_int_equal(tb->level, r->steps[s].level);
                    assert_true(r->steps[s].index < tb->nentries);
                    assert_hex_equal(quiz_table_entry(q, tb, r->steps[s].index), r->steps[s].entry);
                }
                assert_true(found);
            }
        }
        /* The first table is the one CR3 points at. */
        const struct cpu *c = machine_cpu(quiz_machine(q));
        assert_hex_equal(quiz_table(q, 0)->pa, c->cr3 & ~UINT64_C(0xFFF));
        quiz_destroy(q);
    }
}

/* --- bounds and text ---------------------------------------------------------- */

static void count_outside_1_to_100_is_refused(void **state)
{
    (void)state;
    struct quiz_config c;
    quiz_config_default(&c);
    enum machine_status st = MACHINE_OK;
    c.count = 0;
    assert_null(quiz_create(&c, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
    c.count = QUIZ_MAX_QUESTIONS + 1;
    st = MACHINE_OK;
    assert_null(quiz_create(&c, &st));
    assert_int_equal(st, MACHINE_ERR_CONFIG);
    assert_null(quiz_create(NULL, &st));
    c.count = 1;
    struct quiz *q = quiz_create(&c, &st);
    assert_non_null(q);
    assert_int_equal(quiz_count(q), 1);
    assert_null(quiz_question(q, 1));
    quiz_destroy(q);
    quiz_destroy(NULL);
}

/* Entry flags in words, as sim/paging.h's flag table reads each bit at its
 * level: bit 7 is PS where large pages are allowed, PAT in a PTE, ignored in
 * a 32-bit PDE without CR4.PSE (SDM table 4-6), reserved in a PML4E. */
static void entry_flags_read_bit_7_per_level(void **state)
{
    (void)state;
    char b[96];
    struct quiz *q32 = make(PAGING_32, 1, 1);
    struct quiz *pse = make(PAGING_PSE, 1, 1);
    struct quiz *lng = make(PAGING_LONG, 1, 1);
    quiz_entry_flags(q32, LVL_PDE, 0x183, b, sizeof b);
    assert_string_equal(b, "P RW S G");
    quiz_entry_flags(pse, LVL_PDE, 0x183, b, sizeof b);
    assert_string_equal(b, "P RW S PS G");
    quiz_entry_flags(q32, LVL_PTE, 0xA5, b, sizeof b);
    assert_string_equal(b, "P RO U A PAT");
    quiz_entry_flags(lng, LVL_PML4E, UINT64_C(0x8000000000000083), b, sizeof b);
    assert_string_equal(b, "P RW S bit7 XD");
    quiz_entry_flags(lng, LVL_PDE, 0x2, b, sizeof b);
    assert_string_equal(b, "P=0: not present, the other bits are ignored");
    quiz_destroy(q32);
    quiz_destroy(pse);
    quiz_destroy(lng);
}

static void a_small_machine_still_gives_consistent_answers(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        struct quiz_config c;
        quiz_config_default(&c);
        c.paging = modes[k];
        c.ram_bytes = UINT64_C(2) << 20; /* no room for the large identity page */
        c.count = 50;
        c.seed = 9;
        enum machine_status st;
        struct quiz *q = quiz_create(&c, &st);
        assert_non_null(q);
        check_against_ref(q);
        for (unsigned i = 0; i < quiz_count(q); i++)
            assert_true(quiz_question(q, i)->kind != QUIZ_LARGE_PAGE);
        quiz_destroy(q);
    }
}

static void explanation_ends_in_the_answer_and_text_is_bounded(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        struct quiz *q = make(modes[k], 8, 30);
        for (unsigned i = 0; i < quiz_count(q); i++) {
            const struct quiz_question *qq = quiz_question(q, i);
            char full[8192];
            size_t n = quiz_explain(q, i, full, sizeof full);
            assert_int_equal(n, strlen(full));
            assert_true(n > 0 && full[n - 1] == '\n');
            char want[64];
            if (qq->ok)
                snprintf(want, sizeof want, "= 0x%08" PRIx64 "\n", qq->answer.pa);
            else if (qq->answer.fault.vector == X86_VEC_GP)
                snprintf(want, sizeof want, "#GP(0)");
            else
                snprintf(want, sizeof want, "-> #PF, error code 0x%" PRIx32,
                         qq->answer.fault.error_code);
            assert_non_null(strstr(full, want));
            /* A short buffer gets a prefix, NUL-terminated, and the same length. */
            char small[17];
            memset(small, 'x', sizeof small);
            assert_int_equal(quiz_explain(q, i, small, sizeof small), n);
            assert_int_equal(strlen(small), sizeof small - 1);
            assert_memory_equal(small, full, sizeof small - 1);
            assert_int_equal(quiz_explain(q, i, NULL, 0), n);
            char text[128];
            size_t tn = quiz_question_text(q, i, text, sizeof text);
            assert_int_equal(tn, strlen(text));
            assert_non_null(strstr(text, qq->user ? "user " : "supervisor "));
            char ans[512];
            quiz_answer_text(q, i, ans, sizeof ans);
            assert_non_null(strstr(ans, qq->ok ? "physical address" : "vector"));
        }
        quiz_destroy(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_match_an_independent_walk_in_32bit_paging),
        cmocka_unit_test(answers_match_an_independent_walk_with_pse),
        cmocka_unit_test(answers_match_an_independent_walk_in_pae_paging),
        cmocka_unit_test(answers_match_an_independent_walk_in_4level_paging),
        cmocka_unit_test(answers_equal_machine_probe_and_probing_changes_nothing),
        cmocka_unit_test(same_seed_gives_the_same_quiz),
        cmocka_unit_test(different_seeds_give_different_quizzes),
        cmocka_unit_test(every_quiz_of_two_or_more_mixes_successes_and_faults),
        cmocka_unit_test(a_long_quiz_shows_every_kind_the_mode_has),
        cmocka_unit_test(every_table_on_a_walk_path_is_listed_once),
        cmocka_unit_test(count_outside_1_to_100_is_refused),
        cmocka_unit_test(entry_flags_read_bit_7_per_level),
        cmocka_unit_test(a_small_machine_still_gives_consistent_answers),
        cmocka_unit_test(explanation_ends_in_the_answer_and_text_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
