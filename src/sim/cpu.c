/*
 * cpu.c - CR0, CR2, CR3, CR4 and IA32_EFER, with the side effects and the
 * refusals real register writes have.
 *
 * What is modelled, and where the hardware says so:
 *   - the paging mode follows CR0.PG, CR4.PAE and EFER.LME (SDM Vol. 3A 4.1.1,
 *     table 4-1); EFER.LMA is not written by software but set to LME & PG by
 *     every CR0 write (SDM 4.1.1, APM Vol. 2 3.1.7, "Long Mode Active");
 *   - the #GP(0) cases of SDM 2.5, 4.1.1 and APM 3.1.7: CR0 bits 63:32, PG
 *     without PE, PG with LME but not PAE, clearing CR4.PAE in IA-32e mode,
 *     changing EFER.LME with paging on, reserved CR3/CR4/EFER bits, and a
 *     PDPTE with reserved bits when the PDPTE registers are loaded;
 *   - PAE paging keeps four PDPTE registers, loaded from the 32-byte table at
 *     CR3 by a CR3 load and by a CR0/CR4 write that changes PG, PAE, PGE or
 *     PSE while PAE paging is in use afterwards (SDM 4.4.1);
 *   - TLB invalidation (SDM 4.10.4.1): a CR3 load drops the non-global
 *     entries; changing CR0.PG or CR4.PGE/PAE/PSE drops all of them.
 *
 * A refused write changes nothing at all: every check runs on the would-be
 * values before anything is stored. CR0.ET is hardwired to 1 (as on every
 * processor since the P6). The other CR0 bits of 31:0 that do not matter to
 * paging (MP, EM, TS, NE, AM, NW, CD, reserved) are kept as written.
 */
#include "cpu.h"

#include "phys.h"
#include "tlb.h"
#include "x86.h"

#define CR4_KNOWN  (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE)
#define EFER_KNOWN (X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE)
/* Bits 31:0 of CR0; a MOV that sets any of 63:32 faults (SDM 2.5). */
#define CR0_LOW    UINT64_C(0xFFFFFFFF)

void cpu_reset(struct cpu *c, unsigned maxphyaddr)
{
    maxphyaddr = cpu_maxphyaddr_clamp(maxphyaddr);
    c->cr0 = X86_CR0_ET;
    c->cr2 = 0;
    c->cr3 = 0;
    c->cr4 = 0;
    c->efer = 0;
    for (int i = 0; i < X86_PAE_PDPTE_COUNT; i++)
        c->pdpte[i] = 0;
    c->maxphyaddr = maxphyaddr;
}

static enum paging_mode mode_of(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    if (!(cr0 & X86_CR0_PG))
        return PAGING_OFF;
    if (!(cr4 & X86_CR4_PAE))
        return PAGING_32;
    if (!(efer & X86_EFER_LME))
        return PAGING_PAE;
    return PAGING_LONG;
}

/* Reads the four PDPTEs of the table at cr3 into out (SDM 4.4.1). Returns
 * false when a present one has a reserved bit set (bits 2:1, 8:5, 63:M, SDM
 * table 4-8): the load then raises #GP. Without RAM (phys NULL, or the table
 * outside it), reads see all ones, as on a bus with nothing behind it. */
static bool load_pdptes(const struct cpu *c, const struct phys *phys, uint64_t cr3,
                        uint64_t out[X86_PAE_PDPTE_COUNT])
{
    uint64_t rsvd = X86_PDPTE_PAE_RSVD_LOW |
                    x86_rsvd_high_mask(cpu_maxphyaddr_clamp(c->maxphyaddr)) | X86_PTE_XD;
    uint64_t base = cr3 & X86_CR3_ADDR_PAE;
    for (unsigned i = 0; i < X86_PAE_PDPTE_COUNT; i++) {
        uint64_t e = phys != NULL ? phys_load64(phys, base + 8 * i) : ~UINT64_C(0);
        if ((e & X86_PTE_P) && (e & rsvd))
            return false;
        out[i] = e;
    }
    return true;
}

static void store_pdptes(struct cpu *c, const uint64_t in[X86_PAE_PDPTE_COUNT])
{
    for (int i = 0; i < X86_PAE_PDPTE_COUNT; i++)
        c->pdpte[i] = in[i];
}

static void emit_cr(const struct event_sink *sink, enum cpu_reg reg, uint64_t old, uint64_t new)
{
    if (!event_listening(sink))
        return;
    struct event ev = {0};
    ev.kind = EV_CR_WRITE;
    ev.reg = (uint8_t)reg;
    ev.old = old;
    ev.new = new;
    event_emit(sink, &ev);
}

enum cpu_status cpu_write_cr0(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v)
{
    if (v & ~CR0_LOW)
        return CPU_GP;
    if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
        return CPU_GP;
    bool pg_on = (c->cr0 & X86_CR0_PG) != 0;
    bool set_pg = (v & X86_CR0_PG) && !pg_on;
    if (set_pg && (c->efer & X86_EFER_LME) && !(c->cr4 & X86_CR4_PAE))
        return CPU_GP;

    uint64_t cr0 = v | X86_CR0_ET;
    bool pg_changed = ((cr0 ^ c->cr0) & X86_CR0_PG) != 0;
    uint64_t efer = c->efer & ~X86_EFER_LMA;
    if ((cr0 & X86_CR0_PG) && (efer & X86_EFER_LME))
        efer |= X86_EFER_LMA;

    uint64_t pdpte[X86_PAE_PDPTE_COUNT];
    bool reload = pg_changed && mode_of(cr0, c->cr4, efer) == PAGING_PAE;
    if (reload && !load_pdptes(c, phys, c->cr3, pdpte))
        return CPU_GP;

    uint64_t old = c->cr0;
    uint64_t old_efer = c->efer;
    c->cr0 = cr0;
    c->efer = efer;
    if (reload)
        store_pdptes(c, pdpte);
    emit_cr(sink, CPU_CR0, old, cr0);
    if (efer != old_efer)
        emit_cr(sink, CPU_EFER, old_efer, efer);
    if (pg_changed && tlb != NULL)
        tlb_flush(tlb, false);
    return CPU_OK;
}

enum cpu_status cpu_write_cr3(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v)
{
    enum paging_mode mode = cpu_paging_mode(c);
    if (mode == PAGING_LONG) {
        /* Bits 63:M are reserved (SDM table 4-12; no PCIDs here, so bit 63 too). */
        if (v & ~((UINT64_C(1) << cpu_maxphyaddr_clamp(c->maxphyaddr)) - 1))
            return CPU_GP;
    } else if (v >> 32) {
        /* Outside IA-32e mode a MOV to CR3 carries 32 bits: no way to set more. */
        return CPU_GP;
    }

    uint64_t pdpte[X86_PAE_PDPTE_COUNT];
    bool reload = mode == PAGING_PAE;
    if (reload && !load_pdptes(c, phys, v, pdpte))
        return CPU_GP;

    uint64_t old = c->cr3;
    c->cr3 = v;
    if (reload)
        store_pdptes(c, pdpte);
    emit_cr(sink, CPU_CR3, old, v);
    if (tlb != NULL)
        tlb_flush(tlb, true);
    return CPU_OK;
}

enum cpu_status cpu_write_cr4(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v)
{
    if (v & ~CR4_KNOWN)
        return CPU_GP;
    if (!(v & X86_CR4_PAE) && (c->efer & X86_EFER_LMA))
        return CPU_GP;

    bool changed = ((v ^ c->cr4) & CR4_KNOWN) != 0;
    uint64_t pdpte[X86_PAE_PDPTE_COUNT];
    bool reload = changed && mode_of(c->cr0, v, c->efer) == PAGING_PAE;
    if (reload && !load_pdptes(c, phys, c->cr3, pdpte))
        return CPU_GP;

    uint64_t old = c->cr4;
    c->cr4 = v;
    if (reload)
        store_pdptes(c, pdpte);
    emit_cr(sink, CPU_CR4, old, v);
    if (changed && tlb != NULL)
        tlb_flush(tlb, false);
    return CPU_OK;
}

enum cpu_status cpu_write_efer(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                               const struct event_sink *sink, uint64_t v)
{
    (void)tlb;
    (void)phys;
    if (v & ~EFER_KNOWN)
        return CPU_GP;
    if (((v ^ c->efer) & X86_EFER_LME) && (c->cr0 & X86_CR0_PG))
        return CPU_GP;

    /* LMA is the processor's to set: the written value of the bit is ignored. */
    uint64_t efer = (v & ~X86_EFER_LMA) | (c->efer & X86_EFER_LMA);
    uint64_t old = c->efer;
    c->efer = efer;
    emit_cr(sink, CPU_EFER, old, efer);
    return CPU_OK;
}

void cpu_set_cr2(struct cpu *c, const struct event_sink *sink, uint64_t v)
{
    uint64_t old = c->cr2;
    c->cr2 = v;
    emit_cr(sink, CPU_CR2, old, v);
}

const char *cpu_reg_name(enum cpu_reg r)
{
    switch (r) {
    case CPU_CR0:
        return "CR0";
    case CPU_CR2:
        return "CR2";
    case CPU_CR3:
        return "CR3";
    case CPU_CR4:
        return "CR4";
    case CPU_EFER:
        return "EFER";
    }
    return "?";
}

const char *cpu_mode_name(enum paging_mode m)
{
    switch (m) {
    case PAGING_OFF:
        return "off";
    case PAGING_32:
    case PAGING_PSE:
        return "32-bit";
    case PAGING_PAE:
        return "PAE";
    case PAGING_LONG:
        return "4-level";
    }
    return "?";
}
