/*
 * expect.c - checking an `expect` line's fact against the machine (see
 * expect.h). Facts about the state read the machine through its readers;
 * the facts about the operation read the record of its last access
 * (replay/access.h). "stale" is the hardware's view against the tables':
 * the last access was served by a TLB entry, and a walk of the tables in
 * RAM now (a probe, no side effect) would fault or reach another address
 * (access_stale).
 */
#include "replay/expect.h"

#include <inttypes.h>
#include <string.h>

#include "replay/access.h"
#include "replay/strbuf.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/pfa.h"
#include "sim/tlb.h"
#include "sim/x86.h"

const char *expect_fact_text(const struct trace *t, const struct trace_expect *e)
{
    return trace_text(t, e->text);
}

static const char *const reg_names[] = {"cr0", "cr2", "cr3", "cr4", "efer"};

static uint64_t reg_value(const struct cpu *c, enum expect_reg r)
{
    switch (r) {
    case EXPECT_CR0:
        return c->cr0;
    case EXPECT_CR2:
        return c->cr2;
    case EXPECT_CR3:
        return c->cr3;
    case EXPECT_CR4:
        return c->cr4;
    case EXPECT_EFER:
    default:
        return c->efer;
    }
}

/* The fault the operation's access raised, in the words of the fault fact. */
static void put_fault(struct strbuf *sb, const struct access_record *r)
{
    if (r == NULL || !r->faulted)
        strbuf_printf(sb, "nofault");
    else if (r->vector == X86_VEC_GP)
        strbuf_printf(sb, "fault #GP");
    else
        strbuf_printf(sb, "fault 0x%" PRIx32, r->error_code);
}

/* The facts about the operation: tlb hit/miss, fault, nofault, stale. r is
 * the operation's last access, NULL when it made none. */
static bool check_op(const struct trace_expect *e, const struct machine *m,
                     const struct access_record *r, struct strbuf *sb)
{
    bool pf = r != NULL && r->faulted && r->vector == X86_VEC_PF;
    switch (e->kind) /* the kinds of this group */ {
    case EXPECT_TLB_HIT:
    case EXPECT_TLB_MISS: {
        if (r == NULL || !r->tlb_looked) {
            strbuf_printf(sb, "no TLB lookup");
            return false;
        }
        bool hit = access_served_by_tlb(r);
        strbuf_printf(sb, "tlb %s at 0x%" PRIx64 "%s", hit ? "hit" : "miss", r->va,
                      access_rewalked(r) ? " (an entry that could not serve it: a walk)" : "");
        return hit == (e->kind == EXPECT_TLB_HIT);
    }
    case EXPECT_FAULT_PF:
        put_fault(sb, r);
        return pf && r->error_code == e->a;
    case EXPECT_FAULT_GP:
        put_fault(sb, r);
        return r != NULL && r->faulted && r->vector == X86_VEC_GP;
    case EXPECT_NOFAULT:
        put_fault(sb, r);
        return r == NULL || !r->faulted;
    case EXPECT_STALE: {
        struct mmu_result now;
        bool st = r != NULL && access_stale(r, m, &now);
        if (r == NULL)
            strbuf_printf(sb, "no memory access");
        else if (!access_served_by_tlb(r))
            strbuf_printf(sb, "no TLB hit at 0x%" PRIx64 ": a walk, nothing stale", r->va);
        else if (st)
            strbuf_printf(sb, "stale at 0x%" PRIx64, r->va);
        else
            strbuf_printf(sb, "not stale at 0x%" PRIx64 ": the tables agree", r->va);
        return st;
    }
    default:
        return false;
    }
}

/* pa 0xVADDR 0xPADDR | fault: a supervisor-read probe now. */
static bool check_pa(const struct trace_expect *e, const struct machine *m, struct strbuf *sb)
{
    struct mmu_result res;
    bool ok = machine_probe(m, e->a, MMU_READ, false, &res);
    if (ok)
        strbuf_printf(sb, "pa 0x%" PRIx64 " 0x%" PRIx64, e->a, res.pa);
    else
        strbuf_printf(sb, "pa 0x%" PRIx64 " fault", e->a);
    return e->kind == EXPECT_PA ? ok && res.pa == e->b : !ok;
}

/* The facts about the state now. */
static bool check_state(const struct trace_expect *e, const struct machine *m, struct strbuf *sb)
{
    struct pfa_stats fs = pfa_stats(machine_pfa(m));
    struct machine_stats st = machine_stats(m);
    uint64_t v;
    switch (e->kind) /* the kinds of this group */ {
    case EXPECT_PA:
    case EXPECT_PA_FAULT:
        return check_pa(e, m, sb);
    case EXPECT_FRAMES_USED:
        strbuf_printf(sb, "frames used %" PRIu64, fs.used);
        return fs.used == e->a;
    case EXPECT_FRAMES_FREE:
        strbuf_printf(sb, "frames free %" PRIu64, fs.free);
        return fs.free == e->a;
    case EXPECT_REG:
        v = reg_value(machine_cpu(m), (enum expect_reg)e->reg);
        strbuf_printf(sb, "%s 0x%" PRIx64, reg_names[e->reg < 5 ? e->reg : 4], v);
        return v == e->a;
    case EXPECT_TLB_HOLDS:
    case EXPECT_TLB_LACKS: {
        const struct tlb_entry *te = tlb_peek(machine_tlb(m), e->a);
        bool has = te != NULL && te->valid;
        strbuf_printf(sb, "tlb %s 0x%" PRIx64, has ? "holds" : "lacks", e->a);
        return has == (e->kind == EXPECT_TLB_HOLDS);
    }
    case EXPECT_HEAP_LIVE:
        strbuf_printf(sb, "heap live %" PRIu64, st.live_blocks);
        return st.live_blocks == e->a;
    case EXPECT_FAULTS:
        v = st.page_faults + st.gp_faults;
        strbuf_printf(sb, "faults %" PRIu64, v);
        return v == e->a;
    default:
        return false;
    }
}

bool expect_fact_check(const struct trace_expect *e, const struct machine *m,
                       const struct access_record *last, char *found, size_t n)
{
    struct strbuf sb = strbuf_make(found, n);
    const struct access_record *seen = last != NULL && last->op == e->op ? last : NULL;
    switch ((enum expect_kind)e->kind) {
    case EXPECT_TLB_HIT:
    case EXPECT_TLB_MISS:
    case EXPECT_FAULT_PF:
    case EXPECT_FAULT_GP:
    case EXPECT_NOFAULT:
    case EXPECT_STALE:
        return check_op(e, m, seen, &sb);
    case EXPECT_PA:
    case EXPECT_PA_FAULT:
    case EXPECT_FRAMES_USED:
    case EXPECT_FRAMES_FREE:
    case EXPECT_REG:
    case EXPECT_TLB_HOLDS:
    case EXPECT_TLB_LACKS:
    case EXPECT_HEAP_LIVE:
    case EXPECT_FAULTS:
        return check_state(e, m, &sb);
    case EXPECT_KIND_COUNT:
    default:
        strbuf_printf(&sb, "an unknown fact");
        return false;
    }
}
