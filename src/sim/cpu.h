/*
 * cpu.h - the control registers that govern paging, with the side effects
 * real writes have (SDM Vol. 3A 2.5, 4.1, 4.4.1, 4.10.4; APM Vol. 2 3.1).
 *
 *   CR0.PG, CR4.PAE, EFER.LME select the paging mode (SDM table 4-1);
 *   a CR3 load flushes the non-global TLB entries and, with PAE paging,
 *   loads the four PDPTE registers from the table at CR3 (SDM 4.4.1);
 *   changing CR0.PG or CR4.PGE/PAE/PSE flushes the whole TLB, global too;
 *   EFER.LMA follows LME when CR0.PG is set;
 *   writes the hardware refuses (PG without PE, long mode without PAE,
 *   reserved bits, a PDPTE with reserved bits set) raise #GP and change
 *   nothing.
 */
#ifndef PAGESIM_SIM_CPU_H
#define PAGESIM_SIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/paging_mode.h"
#include "event.h"
#include "limits/limits.h"
#include "x86.h"

struct phys;
struct tlb;

enum cpu_reg {
    CPU_CR0,
    CPU_CR2,
    CPU_CR3,
    CPU_CR4,
    CPU_EFER,
};

enum cpu_status {
    CPU_OK = 0,
    CPU_GP, /* the write was refused with #GP(0); nothing changed */
};

struct cpu {
    uint64_t cr0;
    uint64_t cr2;
    uint64_t cr3;
    uint64_t cr4;
    uint64_t efer;
    uint64_t pdpte[4];   /* PAE paging: PDPTE registers, loaded at CR3 load */
    unsigned maxphyaddr; /* physical-address width M, 36 to 52 */
};

/* Resets c as at power-on for our purposes: CR0 = ET, everything else 0,
 * MAXPHYADDR maxphyaddr (clamped to 36..52). Can't fail. */
void cpu_reset(struct cpu *c, unsigned maxphyaddr);

/* m clamped to the MAXPHYADDR range a cpu may have (LIMITS_MAXPHYADDR_MIN..MAX):
 * what cpu_reset stores, and what the walk and the register checks read of a
 * cpu whose field was written directly. */
static inline unsigned cpu_maxphyaddr_clamp(unsigned m)
{
    return m < LIMITS_MAXPHYADDR_MIN   ? LIMITS_MAXPHYADDR_MIN
           : m > LIMITS_MAXPHYADDR_MAX ? LIMITS_MAXPHYADDR_MAX
                                       : m;
}

/* Register writes. Each returns CPU_OK after applying the hardware's side
 * effects to tlb (which may be NULL) and reporting EV_CR_WRITE and flushes to
 * sink, or CPU_GP changing nothing. phys is read for the PDPTE loads of PAE
 * paging. */
enum cpu_status cpu_write_cr0(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v);
enum cpu_status cpu_write_cr3(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v);
enum cpu_status cpu_write_cr4(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                              const struct event_sink *sink, uint64_t v);
enum cpu_status cpu_write_efer(struct cpu *c, struct tlb *tlb, const struct phys *phys,
                               const struct event_sink *sink, uint64_t v);

/* CR2 is written by the page-fault handler side of the MMU. Can't fail. */
void cpu_set_cr2(struct cpu *c, const struct event_sink *sink, uint64_t v);

/* The paging mode CR0.PG, CR4.PAE and EFER.LME select (SDM table 4-1):
 * PAGING_OFF, PAGING_32, PAGING_PAE or PAGING_LONG, never PAGING_PSE (32-bit
 * paging reads CR4.PSE itself, entry by entry). Inline: every translation
 * asks. Can't fail; changes nothing. */
static inline enum paging_mode cpu_paging_mode(const struct cpu *c)
{
    if (!(c->cr0 & X86_CR0_PG))
        return PAGING_OFF;
    if (!(c->cr4 & X86_CR4_PAE))
        return PAGING_32;
    if (!(c->efer & X86_EFER_LME))
        return PAGING_PAE;
    return PAGING_LONG;
}

/* "CR0", "CR2", ... and "off", "32-bit", "PAE", "4-level". */
const char *cpu_reg_name(enum cpu_reg r);
const char *cpu_mode_name(enum paging_mode m);

#endif
