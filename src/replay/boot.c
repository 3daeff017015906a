/*
 * boot.c - the machine a trace asks for, and why it would not boot (see
 * boot.h).
 */
#include "replay/boot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/paging.h"

void replay_set_error(struct trace_error *err, unsigned line, unsigned col, const char *token,
                      const char *msg)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof *err);
    err->line = line;
    err->col = col;
    size_t n = strlen(token), m = strlen(msg);
    n = n < sizeof err->token ? n : sizeof err->token - 1;
    m = m < sizeof err->msg ? m : sizeof err->msg - 1;
    memcpy(err->token, token, n);
    memcpy(err->msg, msg, m);
}

static void fmt_size(uint64_t v, char *buf, size_t len)
{
    if (v != 0 && v % (UINT64_C(1) << 30) == 0)
        snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
    else if (v != 0 && v % (UINT64_C(1) << 20) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
    else if (v != 0 && v % 1024 == 0)
        snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Fills *c from t's configuration lines with o's options over them (o may
 * be NULL). The ranges go into *ranges, which the caller frees (also on
 * failure); labels point into t. */
static bool build_config(const struct trace *t, const struct replay_options *o,
                         struct machine_config *c, struct machine_range **ranges,
                         struct trace_error *err)
{
    machine_config_default(c);
    *ranges = NULL;
    char msg[160], tok[32];

    if (t->cfg.has_ram)
        c->ram_bytes = t->cfg.ram;
    if (t->cfg.has_paging)
        c->paging = t->cfg.paging;
    if (t->cfg.has_tlb) {
        c->tlb_entries = t->cfg.tlb_entries;
        c->tlb_ways = t->cfg.tlb_ways;
    }
    if (o->has_ram)
        c->ram_bytes = o->ram;
    if (o->has_paging)
        c->paging = o->paging;
    if (o->has_tlb) {
        c->tlb_entries = o->tlb_entries;
        c->tlb_ways = o->tlb_ways;
    }
    if (!replay_check_ram(c->ram_bytes, msg, sizeof msg)) {
        fmt_size(c->ram_bytes, tok, sizeof tok);
        replay_set_error(err, 1, 1, tok, msg);
        return false;
    }
    if (!replay_check_tlb(c->tlb_entries, c->tlb_ways, msg, sizeof msg)) {
        snprintf(tok, sizeof tok, "%u", c->tlb_entries);
        replay_set_error(err, 1, 1, tok, msg);
        return false;
    }
    size_t n = t->cfg.nreserve + t->cfg.nidentity;
    struct machine_range *rs = calloc(n ? n : 1, sizeof *rs);
    *ranges = rs;
    if (rs == NULL) {
        replay_set_error(err, 0, 0, "", "out of memory");
        return false;
    }
    for (size_t i = 0; i < t->cfg.nreserve; i++) {
        const struct trace_range *r = &t->cfg.reserve[i];
        rs[i].start = r->start;
        rs[i].len = r->len;
        rs[i].label = r->label == TRACE_NO_TEXT ? NULL : trace_text(t, r->label);
    }
    for (size_t i = 0; i < t->cfg.nidentity; i++) {
        const struct trace_range *r = &t->cfg.identity[i];
        struct machine_range *d = &rs[t->cfg.nreserve + i];
        d->start = r->start;
        d->len = r->len;
        d->label = r->label == TRACE_NO_TEXT ? NULL : trace_text(t, r->label);
    }
    c->reserve = rs;
    c->nreserve = t->cfg.nreserve;
    c->identity = rs + t->cfg.nreserve;
    c->nidentity = t->cfg.nidentity;
    c->nids = t->nids;
    return true;
}

/* The option whose value, given on the command line, made the machine
 * refuse to boot for reason why, or NULL when the trace is to blame: an
 * option is to blame when going back to the trace's own value for it (alone)
 * boots or fails otherwise; failing that, the first option that takes part
 * in the reason. */
static const char *blame_option(const struct trace *t, const struct replay_options *o,
                                const struct machine_config *cfg, const struct machine_failure *f)
{
    const struct trace_config *tc = &t->cfg;
    bool ram = false, paging = false, tlb = false;
    switch (f->why) {
    case MACHINE_WHY_RAM_SIZE:
    case MACHINE_WHY_RAM_WIDTH:
    case MACHINE_WHY_RAM_SMALL:
        ram = true;
        break;
    case MACHINE_WHY_RAM_32BIT:
    case MACHINE_WHY_NO_FRAMES:
        ram = paging = true;
        break;
    case MACHINE_WHY_IDENTITY_RANGE:
        paging = true;
        break;
    case MACHINE_WHY_TLB:
        tlb = true;
        break;
    case MACHINE_WHY_NONE:
    case MACHINE_WHY_RESERVE_KERNEL:
    case MACHINE_WHY_OTHER:
        break;
    }
    ram = ram && o->has_ram;
    paging = paging && o->has_paging;
    tlb = tlb && o->has_tlb;
    const char *names[3] = {"--ram", "--paging", "--tlb"};
    bool given[3] = {ram, paging, tlb};
    for (int k = 0; k < 3; k++) {
        if (!given[k])
            continue;
        struct machine_config c = *cfg;
        struct machine_config d;
        machine_config_default(&d);
        if (k == 0)
            c.ram_bytes = tc->has_ram ? tc->ram : d.ram_bytes;
        else if (k == 1)
            c.paging = tc->has_paging ? tc->paging : d.paging;
        else
            c.tlb_entries = tc->has_tlb ? tc->tlb_entries : d.tlb_entries,
            c.tlb_ways = tc->has_tlb ? tc->tlb_ways : d.tlb_ways;
        struct machine_failure g;
        struct machine *m = machine_create_why(&c, NULL, &g);
        machine_destroy(m);
        if (m != NULL || g.why != f->why || g.range != f->range)
            return names[k];
    }
    for (int k = 0; k < 3; k++) {
        if (given[k])
            return names[k];
    }
    return NULL;
}

static const char *mode_name(enum paging_mode p)
{
    const struct paging_geom *g = paging_geom(p);
    return g != NULL ? g->name : "32-bit";
}

/* The words for a refusal that a range of the trace causes (r, from its
 * reserve line or, when identity, its identity line), into msg. */
static void range_message(const struct machine_config *c, enum machine_why reason,
                          const struct trace_range *r, bool identity, const char *ram, char *msg,
                          size_t len)
{
    if (reason == MACHINE_WHY_RESERVE_KERNEL) {
        snprintf(msg, len,
                 "reserved range [0x%" PRIx64 ", 0x%" PRIx64 ") covers the kernel image at "
                 "[0x%" PRIx64 ", 0x%" PRIx64 "): the machine cannot boot",
                 r->start, r->start + r->len, (uint64_t)MACHINE_KERNEL_PA,
                 (uint64_t)(MACHINE_KERNEL_PA + MACHINE_KERNEL_SIZE));
    } else if (reason == MACHINE_WHY_NO_FRAMES) {
        snprintf(msg, len,
                 "%s range [0x%" PRIx64 ", 0x%" PRIx64 ") takes the free frames: none is "
                 "left for the kernel's page tables in %s of RAM",
                 identity ? "identity" : "reserved", r->start, r->start + r->len, ram);
    } else {
        uint64_t limit = machine_identity_limit(c->paging, c->maxphyaddr);
        const struct paging_geom *pg = paging_geom(c->paging);
        if (pg == NULL)
            pg = paging_geom(PAGING_32);
        bool longm = pg->canonical; /* the lower canonical half is identity-mappable */
        uint64_t linear = UINT64_C(1) << (paging_va_bits(pg) - (longm ? 1 : 0));
        char why[96];
        if (limit < linear && longm)
            snprintf(why, sizeof why, "physical addresses have %u bits (MAXPHYADDR)",
                     c->maxphyaddr ? c->maxphyaddr : 40u);
        else if (limit < linear)
            snprintf(why, sizeof why, "32-bit entries address 4 GiB");
        else
            snprintf(why, sizeof why, "the %s linear address space ends there",
                     longm ? "lower-half (47-bit)" : "4 GiB");
        snprintf(msg, len,
                 "identity range [0x%" PRIx64 ", 0x%" PRIx64 ") reaches past 0x%" PRIx64
                 ": in %s paging %s",
                 r->start, r->start + r->len, limit, mode_name(c->paging), why);
    }
}

/* Says why the machine refused to boot, blaming the value that caused it:
 * a command-line option (err->option), or the trace line that set it. */
static void explain_boot(const struct trace *t, const struct replay_options *o,
                         const struct machine_config *c, const struct machine_failure *f,
                         struct trace_error *err)
{
    const struct trace_config *tc = &t->cfg;
    char ram[32], tok[64], msg[320];
    fmt_size(c->ram_bytes, ram, sizeof ram);
    const struct trace_range *r = NULL;
    bool identity = false;
    if (f->range != SIZE_MAX && f->range < tc->nreserve + tc->nidentity) {
        identity = f->range >= tc->nreserve;
        r = identity ? &tc->identity[f->range - tc->nreserve] : &tc->reserve[f->range];
    }
    /* By default the value that takes part: the ram line, else line 1. */
    unsigned line = tc->ram_line ? tc->ram_line : 1, col = tc->ram_line ? tc->ram_col : 1;
    snprintf(tok, sizeof tok, "%s", ram);
    switch (f->why) {
    case MACHINE_WHY_RAM_SIZE:
        snprintf(msg, sizeof msg, "RAM of %s is not a size the machine can have", ram);
        break;
    case MACHINE_WHY_RAM_WIDTH:
        snprintf(msg, sizeof msg, "RAM of %s is more than MAXPHYADDR %u bits can address", ram,
                 c->maxphyaddr ? c->maxphyaddr : 40u);
        break;
    case MACHINE_WHY_RAM_32BIT:
        snprintf(msg, sizeof msg,
                 "RAM of %s is more than %s paging's 32-bit entries can address (4G); "
                 "use paging pae or long",
                 ram, mode_name(c->paging));
        if (!(tc->has_ram && tc->ram == c->ram_bytes) && tc->paging_line) {
            line = tc->paging_line; /* the ram is the default: the paging line asks too much */
            col = tc->paging_col;
            snprintf(tok, sizeof tok, "%s", trace_paging_name(tc->paging));
        }
        break;
    case MACHINE_WHY_RAM_SMALL: {
        char min[32];
        fmt_size(machine_min_ram(), min, sizeof min);
        snprintf(msg, sizeof msg,
                 "RAM of %s is too small to boot: the first MiB, the kernel image at 1M and its "
                 "first page tables need at least %s",
                 ram, min);
        break;
    }
    case MACHINE_WHY_TLB:
        snprintf(tok, sizeof tok, "%u:%u", c->tlb_entries, c->tlb_ways);
        snprintf(msg, sizeof msg, "the TLB refuses the geometry %s", tok);
        line = tc->tlb_line ? tc->tlb_line : 1;
        col = tc->tlb_line ? tc->tlb_col : 1;
        break;
    case MACHINE_WHY_RESERVE_KERNEL:
    case MACHINE_WHY_IDENTITY_RANGE:
    case MACHINE_WHY_NO_FRAMES:
        if (r == NULL) {
            snprintf(msg, sizeof msg, "RAM of %s leaves no frame for the kernel's page tables",
                     ram);
            break;
        }
        line = r->line;
        col = r->col ? r->col : 1;
        snprintf(tok, sizeof tok, "0x%" PRIx64, r->start);
        range_message(c, f->why, r, identity, ram, msg, sizeof msg);
        break;
    case MACHINE_WHY_NONE:
    case MACHINE_WHY_OTHER:
    default:
        snprintf(msg, sizeof msg, "configuration rejected by the machine");
        break;
    }
    const char *opt = blame_option(t, o, c, f);
    if (opt == NULL) {
        replay_set_error(err, line, col, tok, msg);
        return;
    }
    /* The option's value, as the machine has it. */
    if (strcmp(opt, "--ram") == 0)
        snprintf(tok, sizeof tok, "%s", ram);
    else if (strcmp(opt, "--paging") == 0)
        snprintf(tok, sizeof tok, "%s", trace_paging_name(c->paging));
    else
        snprintf(tok, sizeof tok, "%u:%u", c->tlb_entries, c->tlb_ways);
    replay_set_error(err, 0, 0, tok, msg);
    if (err != NULL)
        snprintf(err->option, sizeof err->option, "%s", opt);
}

struct machine *replay_boot(const struct trace *t, const struct replay_options *o,
                            const struct event_sink *sink, struct trace_error *err)
{
    struct replay_options none;
    if (o == NULL) {
        memset(&none, 0, sizeof none);
        o = &none;
    }
    struct machine_config c;
    struct machine_range *ranges;
    struct machine *m = NULL;
    if (build_config(t, o, &c, &ranges, err)) {
        struct machine_failure f;
        m = machine_create_why(&c, sink, &f); /* copies the ranges and their labels */
        if (m == NULL && f.status == MACHINE_ERR_NO_MEMORY)
            replay_set_error(err, 0, 0, "", "out of memory");
        else if (m == NULL)
            explain_boot(t, o, &c, &f, err);
    }
    free(ranges);
    return m;
}
