/*
 * limits.h - the simulated machine's configuration limits and the rules
 * over them, defined once.
 *
 * The limits are the machine's (sim enforces them when it boots), but three
 * layers check a configuration before there is a machine: the trace parser
 * (a `ram` or `tlb` line, blamed while the trace streams in), the command
 * line (--ram, --tlb, an exit-2 error naming the option) and sim's boot. sim
 * and trace may not know each other, so the rules live here, in a layer
 * below both with no state and no code but these static inline functions
 * (docs/architecture.md, "Layers"). Each rule says which rule failed and
 * which field is to blame; the caller maps the field to what set it (a
 * trace line and column, an option) and words the message.
 *
 * The RAM floor depends on the boot layout, so it stays sim's
 * (machine_min_ram) and is passed in; the identity-range limits are sim's
 * too (machine_identity_limit), being about the ranges, not the machine's
 * size.
 */
#ifndef PAGESIM_LIMITS_LIMITS_H
#define PAGESIM_LIMITS_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

/* RAM comes in whole 4 KiB frames. */
#define LIMITS_RAM_UNIT       UINT64_C(4096)
/* Largest RAM: 64 GiB (pae and long mode; phys.h's PHYS_MAX_SIZE). */
#define LIMITS_RAM_MAX        (UINT64_C(64) << 30)
/* What 32-bit page-table entries (paging 32 and pse) address: 4 GiB. */
#define LIMITS_RAM_32BIT      (UINT64_C(1) << 32)
/* Largest TLB: 65536 entries (tlb.h's TLB_MAX_ENTRIES). */
#define LIMITS_TLB_ENTRIES    65536u
/* The ways of a `tlb ENTRIES` line or --tlb ENTRIES without WAYS: 4, or
 * ENTRIES when fewer. */
#define LIMITS_TLB_WAYS       4u
/* The physical-address width MAXPHYADDR a machine may have (SDM 4.1.4). */
#define LIMITS_MAXPHYADDR_MIN 36u
#define LIMITS_MAXPHYADDR_MAX 52u

/* A rule a configuration broke, in the order limits_check tries them. */
enum limits_rule {
    LIMITS_OK,
    LIMITS_RAM_ZERO,           /* RAM of 0 bytes */
    LIMITS_RAM_NOT_FRAMES,     /* RAM not a multiple of LIMITS_RAM_UNIT */
    LIMITS_RAM_TOO_LARGE,      /* RAM above LIMITS_RAM_MAX */
    LIMITS_MAXPHYADDR_RANGE,   /* MAXPHYADDR not LIMITS_MAXPHYADDR_MIN..MAX */
    LIMITS_RAM_PAST_WIDTH,     /* RAM above 2^MAXPHYADDR */
    LIMITS_RAM_PAST_32BIT,     /* RAM above LIMITS_RAM_32BIT with 32-bit entries */
    LIMITS_RAM_TOO_SMALL,      /* RAM below the floor the caller gave */
    LIMITS_TLB_NO_ENTRIES,     /* a TLB of 0 entries */
    LIMITS_TLB_TOO_LARGE,      /* more than LIMITS_TLB_ENTRIES entries */
    LIMITS_TLB_NO_WAYS,        /* 0 ways */
    LIMITS_TLB_WAYS_ABOVE,     /* more ways than entries */
    LIMITS_TLB_WAYS_NOT_SPLIT, /* the ways do not divide the entries */
    LIMITS_TLB_SETS_NOT_POW2,  /* entries / ways (the sets) not a power of 2 */
};

/* The field a broken rule blames: the value to change. */
enum limits_field {
    LIMITS_FIELD_NONE,
    LIMITS_FIELD_RAM,
    LIMITS_FIELD_PAGING, /* with the RAM: LIMITS_RAM_PAST_32BIT */
    LIMITS_FIELD_MAXPHYADDR,
    LIMITS_FIELD_TLB_ENTRIES,
    LIMITS_FIELD_TLB_WAYS,
};

struct limits_fault {
    enum limits_rule rule; /* LIMITS_OK: none */
    enum limits_field field;
};

/* A configuration to check; a field left 0 is not checked (ram excepted). */
struct limits_config {
    uint64_t ram;         /* bytes */
    uint64_t ram_min;     /* bytes; 0: no floor */
    bool entries32;       /* paging 32 or pse: 32-bit entries */
    unsigned maxphyaddr;  /* bits; 0: not checked */
    uint64_t tlb_entries; /* 0 with tlb_ways 0: not checked */
    uint64_t tlb_ways;
};

/* The fault {rule, field}. Can't fail. */
static inline struct limits_fault limits_fault_of(enum limits_rule rule, enum limits_field field)
{
    struct limits_fault f = {rule, field};
    return f;
}

/* Checks a RAM size alone (a `ram` line, --ram): not 0, whole frames, at
 * most LIMITS_RAM_MAX. Can't fail otherwise; changes nothing. */
static inline struct limits_fault limits_ram(uint64_t bytes)
{
    enum limits_rule r = bytes == 0                     ? LIMITS_RAM_ZERO
                         : bytes % LIMITS_RAM_UNIT != 0 ? LIMITS_RAM_NOT_FRAMES
                         : bytes > LIMITS_RAM_MAX       ? LIMITS_RAM_TOO_LARGE
                                                        : LIMITS_OK;
    return limits_fault_of(r, r == LIMITS_OK ? LIMITS_FIELD_NONE : LIMITS_FIELD_RAM);
}

/* Checks a TLB geometry alone (a `tlb` line, --tlb): 1..LIMITS_TLB_ENTRIES
 * entries, 1..entries ways dividing them, the sets a power of 2. Blames the
 * entries for their own range and the ways for the rest. */
static inline struct limits_fault limits_tlb(uint64_t entries, uint64_t ways)
{
    if (entries == 0)
        return limits_fault_of(LIMITS_TLB_NO_ENTRIES, LIMITS_FIELD_TLB_ENTRIES);
    if (entries > LIMITS_TLB_ENTRIES)
        return limits_fault_of(LIMITS_TLB_TOO_LARGE, LIMITS_FIELD_TLB_ENTRIES);
    if (ways == 0)
        return limits_fault_of(LIMITS_TLB_NO_WAYS, LIMITS_FIELD_TLB_WAYS);
    if (ways > entries)
        return limits_fault_of(LIMITS_TLB_WAYS_ABOVE, LIMITS_FIELD_TLB_WAYS);
    if (entries % ways != 0)
        return limits_fault_of(LIMITS_TLB_WAYS_NOT_SPLIT, LIMITS_FIELD_TLB_WAYS);
    uint64_t sets = entries / ways;
    if ((sets & (sets - 1)) != 0)
        return limits_fault_of(LIMITS_TLB_SETS_NOT_POW2, LIMITS_FIELD_TLB_WAYS);
    return limits_fault_of(LIMITS_OK, LIMITS_FIELD_NONE);
}

/* The ways of a TLB given as ENTRIES alone. */
static inline uint64_t limits_tlb_default_ways(uint64_t entries)
{
    return entries < LIMITS_TLB_WAYS ? entries : LIMITS_TLB_WAYS;
}

/* Checks a whole configuration, in this order: the RAM alone, MAXPHYADDR,
 * the RAM against MAXPHYADDR, against 32-bit entries (blaming the paging
 * mode with it: LIMITS_FIELD_PAGING), against the floor, then the TLB.
 * The first broken rule is returned. Can't fail otherwise. */
static inline struct limits_fault limits_check(const struct limits_config *c)
{
    struct limits_fault f = limits_ram(c->ram);
    if (f.rule != LIMITS_OK)
        return f;
    unsigned mpa = c->maxphyaddr;
    if (mpa != 0 && (mpa < LIMITS_MAXPHYADDR_MIN || mpa > LIMITS_MAXPHYADDR_MAX))
        return limits_fault_of(LIMITS_MAXPHYADDR_RANGE, LIMITS_FIELD_MAXPHYADDR);
    if (mpa != 0 && c->ram > (UINT64_C(1) << mpa))
        return limits_fault_of(LIMITS_RAM_PAST_WIDTH, LIMITS_FIELD_RAM);
    if (c->entries32 && c->ram > LIMITS_RAM_32BIT)
        return limits_fault_of(LIMITS_RAM_PAST_32BIT, LIMITS_FIELD_PAGING);
    if (c->ram < c->ram_min)
        return limits_fault_of(LIMITS_RAM_TOO_SMALL, LIMITS_FIELD_RAM);
    if (c->tlb_entries == 0 && c->tlb_ways == 0)
        return limits_fault_of(LIMITS_OK, LIMITS_FIELD_NONE);
    return limits_tlb(c->tlb_entries, c->tlb_ways);
}

/* Who says that a rule is broken: the trace parser of a `ram` or `tlb`
 * line, or the command line of --ram or --tlb. */
enum limits_voice {
    LIMITS_AS_LINE,
    LIMITS_AS_OPTION,
};

/* The words of a broken rule on one value, as a trace line and as an option
 * say them, side by side (they were written apart, and messages do not
 * change: CONTRACT). The rules between values (MAXPHYADDR, 32-bit entries,
 * the floor) are the boot's, worded where the boot is explained
 * (replay/timeline.c); for them, and for LIMITS_OK, "value out of range".
 * Can't fail. */
static inline const char *limits_words(enum limits_rule rule, enum limits_voice voice)
{
    static const char *const words[][2] = {
        [LIMITS_RAM_ZERO] = {"RAM size must not be 0", "RAM size must not be 0"},
        [LIMITS_RAM_NOT_FRAMES] = {"RAM size must be a multiple of 4 KiB",
                                   "RAM size must be a multiple of 4 KiB"},
        [LIMITS_RAM_TOO_LARGE] = {"RAM size out of range: at most 64 GiB",
                                  "RAM size must be at most 64G"},
        [LIMITS_TLB_NO_ENTRIES] = {"a TLB needs at least 1 entry",
                                   "TLB entries must be 1 to 65536"},
        [LIMITS_TLB_TOO_LARGE] = {"TLB too large: at most 65536 entries",
                                  "TLB entries must be 1 to 65536"},
        [LIMITS_TLB_NO_WAYS] = {"a TLB needs at least 1 way",
                                "TLB ways must divide the number of entries"},
        [LIMITS_TLB_WAYS_ABOVE] = {"more TLB ways than entries",
                                   "TLB ways must divide the number of entries"},
        [LIMITS_TLB_WAYS_NOT_SPLIT] = {"TLB ways must divide the entries",
                                       "TLB ways must divide the number of entries"},
        [LIMITS_TLB_SETS_NOT_POW2] = {"TLB sets (entries / ways) must be a power of 2",
                                      "TLB sets (entries / ways) must be a power of two"},
    };
    const char *w = NULL;
    if ((unsigned)rule < sizeof words / sizeof words[0] && (unsigned)voice < 2)
        w = words[rule][voice];
    return w != NULL ? w : "value out of range";
}

#endif
