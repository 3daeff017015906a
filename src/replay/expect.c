/*
 * expect.c - checking an `expect` line's fact against the machine (see
 * expect.h). Facts about the state read the machine through its readers;
 * the facts about the operation read what the timeline saw of it
 * (struct expect_seen: REPLACE with replay/access.h's record, see expect.h).
 * "stale" is the hardware's view against the tables': the last access was
 * served by a TLB entry, and a walk of the tables in RAM now (a probe, no
 * side effect) would fault or reach another address.
 */
#include "replay/expect.h"

#include <inttypes.h>
#include <string.h>

#include "replay/strbuf.h"
#include "sim/cpu.h"
#include "sim/machine.h"
#include "sim/pfa.h"
#include "sim/tlb.h"
#include "sim/x86.h"

void expect_seen_reset(struct expect_seen *s, bool recorded)
{
    memset(s, 0, sizeof *s);
    s->recorded = recorded;
}

void expect_seen_event(struct expect_seen *s, const struct event *ev)
{
    switch (ev->kind) {
    case EV_TLB_HIT:
        s->access = true;
        s->tlb_hit = true;
        s->va = ev->va;
        s->pa = ev->pa;
        break;
    case EV_TLB_MISS:
        s->access = true;
        s->tlb_hit = false;
        s->va = ev->va;
        break;
    case EV_WALK_STEP:
        /* An entry that may not serve the access (SDM 4.10.2.3) is found
         * and then walked past: the access did not hit. */
        s->tlb_hit = false;
        break;
    case EV_ACCESS:
        s->acc = (enum mmu_access)ev->extra;
        s->user = ev->code == 3;
        break;
    case EV_FAULT:
        s->fault = true;
        s->vector = (uint8_t)ev->extra;
        s->code = ev->code;
        s->cr2 = ev->va;
        break;
    case EV_FRAME_ALLOC:
    case EV_FRAME_FREE:
    case EV_FRAME_CLAIM:
    case EV_TABLE_ALLOC:
    case EV_TABLE_FREE:
    case EV_ENTRY_WRITE:
    case EV_CR_WRITE:
    case EV_TLB_FILL:
    case EV_TLB_EVICT:
    case EV_TLB_FLUSH:
    case EV_TLB_INVLPG:
    case EV_AD_SET:
    case EV_PAGE_MAP:
    case EV_PAGE_UNMAP:
    case EV_BLOCK_ALLOC:
    case EV_BLOCK_SPLIT:
    case EV_BLOCK_COALESCE:
    case EV_BLOCK_FREE:
    case EV_BLOCK_MOVE:
    case EV_HEAP_GROW:
    case EV_HEAP_SHRINK:
    case EV_DIAG:
    case EV_ALLOC_FAIL:
    case EV_KIND_COUNT:
    default:
        break;
    }
}

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

/* The fault the operation raised, in the words of the fault fact. */
static void put_fault(struct strbuf *sb, const struct expect_seen *s)
{
    if (!s->fault)
        strbuf_printf(sb, "nofault");
    else if (s->vector == X86_VEC_GP)
        strbuf_printf(sb, "fault #GP");
    else
        strbuf_printf(sb, "fault 0x%" PRIx32, s->code);
}

/* Whether the last access was served by a stale TLB entry: it hit, and the
 * tables in RAM say otherwise now. */
static bool is_stale(const struct machine *m, const struct expect_seen *s)
{
    if (!s->access || !s->tlb_hit)
        return false;
    struct mmu_result res;
    if (!machine_probe(m, s->va, s->acc, s->user, &res))
        return true;
    return res.pa != s->pa;
}

/* The facts about the operation: tlb hit/miss, fault, nofault, stale. */
static bool check_op(const struct trace_expect *e, const struct machine *m,
                     const struct expect_seen *s, struct strbuf *sb)
{
    if (!s->recorded) {
        strbuf_printf(sb, "nothing: the operation ran before the first expect line was read");
        return false;
    }
    switch (e->kind) /* the kinds of this group */ {
    case EXPECT_TLB_HIT:
    case EXPECT_TLB_MISS:
        if (!s->access) {
            strbuf_printf(sb, "no memory access");
            return false;
        }
        strbuf_printf(sb, "tlb %s at 0x%" PRIx64, s->tlb_hit ? "hit" : "miss", s->va);
        return s->tlb_hit == (e->kind == EXPECT_TLB_HIT);
    case EXPECT_FAULT_PF:
        put_fault(sb, s);
        return s->fault && s->vector == X86_VEC_PF && s->code == e->a;
    case EXPECT_FAULT_GP:
        put_fault(sb, s);
        return s->fault && s->vector == X86_VEC_GP;
    case EXPECT_NOFAULT:
        put_fault(sb, s);
        return !s->fault;
    case EXPECT_STALE: {
        bool st = is_stale(m, s);
        if (!s->access)
            strbuf_printf(sb, "no memory access");
        else if (!s->tlb_hit)
            strbuf_printf(sb, "tlb miss at 0x%" PRIx64 ": a walk, nothing stale", s->va);
        else
            strbuf_printf(sb, "%s at 0x%" PRIx64, st ? "stale" : "not stale: the tables agree,",
                          s->va);
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

bool expect_check(const struct trace_expect *e, const struct machine *m,
                  const struct expect_seen *seen, char *found, size_t n)
{
    struct strbuf sb = strbuf_make(found, n);
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
