/*
 * test_limits.c - the machine's configuration rules (limits/limits.h): each
 * rule and the field it blames, the order limits_check tries them in, and
 * that every place that checks a configuration agrees with them: a `ram` or
 * `tlb` line of a trace (and the token its error blames), the --ram and
 * --tlb options, the TLB and the RAM of sim, and the machine's boot.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>

#include "limits/limits.h"
#include "replay/options.h"
#include "sim/machine.h"
#include "sim/phys.h"
#include "sim/tlb.h"
#include "trace/trace.h"

static void assert_fault(struct limits_fault f, enum limits_rule rule, enum limits_field field)
{
    assert_int_equal(f.rule, rule);
    assert_int_equal(f.field, field);
}

static void ram_rules_blame_the_ram(void **state)
{
    (void)state;
    assert_fault(limits_ram(4096), LIMITS_OK, LIMITS_FIELD_NONE);
    assert_fault(limits_ram(LIMITS_RAM_MAX), LIMITS_OK, LIMITS_FIELD_NONE);
    assert_fault(limits_ram(0), LIMITS_RAM_ZERO, LIMITS_FIELD_RAM);
    assert_fault(limits_ram(4097), LIMITS_RAM_NOT_FRAMES, LIMITS_FIELD_RAM);
    assert_fault(limits_ram(LIMITS_RAM_MAX + 4096), LIMITS_RAM_TOO_LARGE, LIMITS_FIELD_RAM);
    assert_fault(limits_ram(UINT64_MAX), LIMITS_RAM_NOT_FRAMES, LIMITS_FIELD_RAM);
}

static void tlb_rules_blame_entries_or_ways(void **state)
{
    (void)state;
    assert_fault(limits_tlb(64, 4), LIMITS_OK, LIMITS_FIELD_NONE);
    assert_fault(limits_tlb(1, 1), LIMITS_OK, LIMITS_FIELD_NONE);
    assert_fault(limits_tlb(96, 3), LIMITS_OK, LIMITS_FIELD_NONE); /* 32 sets */
    assert_fault(limits_tlb(LIMITS_TLB_ENTRIES, LIMITS_TLB_ENTRIES), LIMITS_OK, LIMITS_FIELD_NONE);
    assert_fault(limits_tlb(0, 1), LIMITS_TLB_NO_ENTRIES, LIMITS_FIELD_TLB_ENTRIES);
    assert_fault(limits_tlb(131072, 2), LIMITS_TLB_TOO_LARGE, LIMITS_FIELD_TLB_ENTRIES);
    assert_fault(limits_tlb(64, 0), LIMITS_TLB_NO_WAYS, LIMITS_FIELD_TLB_WAYS);
    assert_fault(limits_tlb(64, 128), LIMITS_TLB_WAYS_ABOVE, LIMITS_FIELD_TLB_WAYS);
    assert_fault(limits_tlb(64, 5), LIMITS_TLB_WAYS_NOT_SPLIT, LIMITS_FIELD_TLB_WAYS);
    assert_fault(limits_tlb(96, 4), LIMITS_TLB_SETS_NOT_POW2, LIMITS_FIELD_TLB_WAYS);
    assert_int_equal(limits_tlb_default_ways(64), 4);
    assert_int_equal(limits_tlb_default_ways(2), 2);
}

/* The whole check tries the RAM, MAXPHYADDR, the RAM against 32-bit entries
 * (blaming the paging mode), the floor, then the TLB: the machine's order. */
static void the_whole_check_goes_in_the_machines_order(void **state)
{
    (void)state;
    struct limits_config c = {.ram = 16u << 20, .maxphyaddr = 40, .tlb_entries = 64, .tlb_ways = 4};
    assert_fault(limits_check(&c), LIMITS_OK, LIMITS_FIELD_NONE);
    c.tlb_ways = 3;
    assert_fault(limits_check(&c), LIMITS_TLB_WAYS_NOT_SPLIT, LIMITS_FIELD_TLB_WAYS);
    c.ram_min = 32u << 20;
    assert_fault(limits_check(&c), LIMITS_RAM_TOO_SMALL, LIMITS_FIELD_RAM);
    c.ram = UINT64_C(8) << 30;
    c.entries32 = true;
    assert_fault(limits_check(&c), LIMITS_RAM_PAST_32BIT, LIMITS_FIELD_PAGING);
    c.maxphyaddr = 53;
    assert_fault(limits_check(&c), LIMITS_MAXPHYADDR_RANGE, LIMITS_FIELD_MAXPHYADDR);
    c.ram = 0;
    assert_fault(limits_check(&c), LIMITS_RAM_ZERO, LIMITS_FIELD_RAM);
    /* The RAM alone is checked when nothing else is given. */
    struct limits_config r = {.ram = 4096};
    assert_fault(limits_check(&r), LIMITS_OK, LIMITS_FIELD_NONE);
    /* sim's own names are the same limits. */
    assert_true(PHYS_MAX_SIZE == LIMITS_RAM_MAX);
    assert_true(TLB_MAX_ENTRIES == LIMITS_TLB_ENTRIES);
}

/* Parses text as a trace: true when it parses, else *err says why. */
static bool parses(const char *text, struct trace_error *err)
{
    struct trace *t = trace_parse(text, strlen(text), "t", err);
    trace_free(t);
    return t != NULL;
}

/* The reason the machine gives for a configuration (MACHINE_WHY_NONE: it
 * boots). */
static enum machine_why boot_why(uint64_t ram, unsigned entries, unsigned ways)
{
    struct machine_config c;
    machine_config_default(&c);
    c.ram_bytes = ram;
    c.paging = PAGING_LONG;
    c.tlb_entries = entries;
    c.tlb_ways = ways;
    struct machine_failure f;
    struct machine *m = machine_create_why(&c, NULL, &f);
    machine_destroy(m);
    return m != NULL ? MACHINE_WHY_NONE : f.why;
}

static void every_ram_check_agrees(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {
        0,
        1,
        4095,
        4096,
        5000,
        16u << 20,
        (UINT64_C(64) << 30) - 4096,
        UINT64_C(64) << 30,
        (UINT64_C(64) << 30) + 4096,
        UINT64_C(128) << 30,
        UINT64_MAX & ~UINT64_C(4095),
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t v = sizes[i];
        bool ok = limits_ram(v).rule == LIMITS_OK;
        char line[64], msg[128];
        snprintf(line, sizeof line, "ram %llu\n", (unsigned long long)v);
        struct trace_error err;
        memset(&err, 0, sizeof err);
        assert_int_equal(parses(line, &err), ok);
        if (!ok) {
            assert_int_equal(err.col, 5); /* the value is blamed */
            assert_true(strstr(err.msg, "RAM size") != NULL);
        }
        assert_int_equal(replay_check_ram(v, msg, sizeof msg), ok);
        /* Only refused sizes are booted: a machine of 64 GiB is not made here. */
        if (!ok)
            assert_int_equal(boot_why(v, 64, 4), MACHINE_WHY_RAM_SIZE);
    }
}

static void every_tlb_check_agrees(void **state)
{
    (void)state;
    static const struct {
        unsigned entries, ways;
    } geo[] = {
        {64, 4}, {1, 1}, {2, 2},    {96, 3}, {64, 64}, {65536, 4}, {65536, 65536}, {131072, 2},
        {64, 0}, {0, 4}, {64, 128}, {64, 5}, {96, 4},  {12, 4},    {8, 16},        {3, 1},
    };
    for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
        unsigned e = geo[i].entries, w = geo[i].ways;
        struct limits_fault f = limits_tlb(e, w);
        bool ok = f.rule == LIMITS_OK;
        char line[64], msg[128], want[16];
        snprintf(line, sizeof line, "tlb %u %u\n", e, w);
        struct trace_error err;
        memset(&err, 0, sizeof err);
        assert_int_equal(parses(line, &err), ok);
        if (!ok) {
            /* The token blamed is the field the rule names. */
            snprintf(want, sizeof want, "%u", f.field == LIMITS_FIELD_TLB_WAYS ? w : e);
            assert_string_equal(err.token, want);
            char es[16];
            int elen = snprintf(es, sizeof es, "%u", e);
            assert_int_equal(err.col, f.field == LIMITS_FIELD_TLB_WAYS ? 6 + elen : 5);
        }
        assert_int_equal(replay_check_tlb(e, w, msg, sizeof msg), ok);
        struct tlb *t = (e != 0 && w != 0) ? tlb_create(e, w) : NULL;
        if (e != 0 && w != 0)
            assert_int_equal(t != NULL, ok);
        tlb_destroy(t);
        /* The machine reads 0 as its default: only non-zero values are its own. */
        if (e != 0 && w != 0)
            assert_int_equal(boot_why(16u << 20, e, w) == MACHINE_WHY_TLB, !ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ram_rules_blame_the_ram),
        cmocka_unit_test(tlb_rules_blame_entries_or_ways),
        cmocka_unit_test(the_whole_check_goes_in_the_machines_order),
        cmocka_unit_test(every_ram_check_agrees),
        cmocka_unit_test(every_tlb_check_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
