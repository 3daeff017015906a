/*
 * machine_check.c - the machine's configuration before the boot (see
 * machine.h and machine_check.h): its defaults, the RAM floor and the
 * identity-map ceiling, the checks that decide whether it can boot (the
 * rules of limits.h, a reserve over the kernel, an identity range past what
 * the mode can map), and the range to blame when the boot runs out of
 * frames. Pure functions of a configuration: no machine is built here.
 */
#include "machine_check.h"

#include <string.h>

#include "limits/limits.h"
#include "machine.h"
#include "paging.h"
#include "x86.h"

void machine_config_default(struct machine_config *c)
{
    memset(c, 0, sizeof *c);
    c->ram_bytes = UINT64_C(16) << 20;
    c->paging = PAGING_32;
    c->tlb_entries = 64;
    c->tlb_ways = 4;
    c->maxphyaddr = X86_MAXPHYADDR_DEFAULT;
    c->large_threshold = UINT64_C(128) << 10;
}

uint64_t machine_min_ram(void)
{
    return MACHINE_KERNEL_PA + MACHINE_KERNEL_SIZE + 2 * X86_PAGE_SIZE;
}

uint64_t machine_identity_limit(enum paging_mode p, unsigned maxphyaddr)
{
    /* As vmm's map_identity decides (VMM_ERR_RANGE). */
    unsigned mpa = maxphyaddr != 0 ? maxphyaddr : X86_MAXPHYADDR_DEFAULT;
    const struct paging_geom *g = paging_geom(p);
    if (g == NULL)
        g = paging_geom(PAGING_32);
    uint64_t linear = UINT64_C(1) << (paging_va_bits(g) - (g->canonical ? 1 : 0));
    uint64_t phys = g->entry_bytes == 4 ? UINT64_C(1) << 32
                    : mpa < 64          ? UINT64_C(1) << mpa
                                        : UINT64_MAX;
    return phys < linear ? phys : linear;
}

/* The boot's reason for a broken limits.h rule. */
static enum machine_why why_of(enum limits_rule rule)
{
    switch (rule) {
    case LIMITS_OK:
        return MACHINE_WHY_NONE;
    case LIMITS_RAM_ZERO:
    case LIMITS_RAM_NOT_FRAMES:
    case LIMITS_RAM_TOO_LARGE:
        return MACHINE_WHY_RAM_SIZE;
    case LIMITS_MAXPHYADDR_RANGE:
    case LIMITS_RAM_PAST_WIDTH:
        return MACHINE_WHY_RAM_WIDTH;
    case LIMITS_RAM_PAST_32BIT:
        return MACHINE_WHY_RAM_32BIT;
    case LIMITS_RAM_TOO_SMALL:
        return MACHINE_WHY_RAM_SMALL;
    case LIMITS_TLB_NO_ENTRIES:
    case LIMITS_TLB_TOO_LARGE:
    case LIMITS_TLB_NO_WAYS:
    case LIMITS_TLB_WAYS_ABOVE:
    case LIMITS_TLB_WAYS_NOT_SPLIT:
    case LIMITS_TLB_SETS_NOT_POW2:
        return MACHINE_WHY_TLB;
    }
    return MACHINE_WHY_OTHER;
}

bool machine_config_check(const struct machine_config *c, struct machine_failure *f)
{
    f->range = SIZE_MAX;
    f->why = MACHINE_WHY_OTHER;
    if (!paging_mode_configurable(c->paging))
        return false;
    if ((c->nreserve != 0 && c->reserve == NULL) || (c->nidentity != 0 && c->identity == NULL))
        return false;
    if (c->nids > (UINT32_C(1) << 28))
        return false;
    /* The rules on the RAM and the TLB are limits.h's (the trace parser and
     * the command line check them too); the floor is the boot layout's. */
    struct limits_config lc = {
        .ram = c->ram_bytes,
        .ram_min = machine_min_ram(),
        /* 32-bit entries hold 32-bit frame addresses. */
        .entries32 = paging_geom(c->paging)->entry_bytes == 4,
        .maxphyaddr = c->maxphyaddr != 0 ? c->maxphyaddr : X86_MAXPHYADDR_DEFAULT,
        .tlb_entries = c->tlb_entries != 0 ? c->tlb_entries : 64,
        .tlb_ways = c->tlb_ways != 0 ? c->tlb_ways : 4,
    };
    f->why = why_of(limits_check(&lc).rule);
    if (f->why != MACHINE_WHY_NONE)
        return false;
    /* A frame is reserved whole when any byte of it is (pfa_reserve). */
    f->why = MACHINE_WHY_RESERVE_KERNEL;
    for (size_t i = 0; i < c->nreserve; i++) {
        const struct machine_range *r = &c->reserve[i];
        if (r->len != 0 && r->start < MACHINE_KERNEL_PA + MACHINE_KERNEL_SIZE &&
            machine_range_end(r) > MACHINE_KERNEL_PA) {
            f->range = i;
            return false;
        }
    }
    f->why = MACHINE_WHY_IDENTITY_RANGE;
    uint64_t limit = machine_identity_limit(c->paging, c->maxphyaddr);
    for (size_t i = 0; i < c->nidentity; i++) {
        const struct machine_range *r = &c->identity[i];
        if (r->len != 0 && (r->start >= limit || r->len > limit - r->start)) {
            f->range = c->nreserve + i;
            return false;
        }
    }
    f->why = MACHINE_WHY_NONE;
    return true;
}

size_t machine_greediest_range(const struct machine_config *c)
{
    size_t best = SIZE_MAX;
    uint64_t most = 0;
    for (size_t i = 0; i < c->nreserve + c->nidentity; i++) {
        const struct machine_range *r =
            i < c->nreserve ? &c->reserve[i] : &c->identity[i - c->nreserve];
        uint64_t lo = r->start & ~(X86_PAGE_SIZE - 1);
        uint64_t hi = machine_range_end(r);
        if (hi > c->ram_bytes)
            hi = c->ram_bytes;
        if (lo < MACHINE_LOW_MEMORY_END)
            lo = MACHINE_LOW_MEMORY_END; /* the firmware's anyway */
        uint64_t n = hi > lo ? hi - lo : 0;
        if (n > most) {
            most = n;
            best = i;
        }
    }
    return best;
}
