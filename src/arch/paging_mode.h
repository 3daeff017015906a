/*
 * paging_mode.h - the one enum that names an x86 paging mode, with its
 * keyword. Header only: no library, no state.
 *
 * It sits in a layer of its own (src/arch/, "arch" in tests/lint_layers.py)
 * because two layers that may not see each other both name a mode: trace/
 * parses the keyword of a trace's `paging` line or a --paging option, and
 * sim/ builds and walks the tables of the mode. Both include this header
 * and nothing else of each other, so one enum serves both and replay/
 * passes the value through without a conversion.
 *
 * What a mode looks like (levels, shifts, entry size, large pages) is
 * written once, in sim/paging.h; here is only the name.
 *
 * PAGING_PSE is 32-bit paging with CR4.PSE=1 (SDM Vol. 3A 4.3): not a mode
 * of table 4-1, but a configuration the VMM builds differently (4 MiB
 * pages) and a keyword of its own. PAGING_OFF is what the CPU is in before
 * CR0.PG is set; it has no keyword and never appears in a configuration.
 * PAGING_32 is 0 so that a zeroed configuration asks for 32-bit paging.
 */
#ifndef PAGESIM_ARCH_PAGING_MODE_H
#define PAGESIM_ARCH_PAGING_MODE_H

#include <stdbool.h>
#include <string.h>

enum paging_mode {
    PAGING_32,   /* 32-bit paging, CR4.PSE=0: 4 KiB pages only */
    PAGING_PSE,  /* 32-bit paging, CR4.PSE=1: 4 MiB pages too */
    PAGING_PAE,  /* PAE paging */
    PAGING_LONG, /* 4-level paging (IA-32e) */
    PAGING_OFF,  /* CR0.PG=0: no keyword, never configured */
};

/* The modes a configuration may name, in the order their keywords are
 * listed in messages. */
#define PAGING_NMODES 4

/* True for the four modes a configuration may name (not PAGING_OFF, not a
 * value out of range). */
static inline bool paging_mode_configurable(enum paging_mode m)
{
    switch (m) {
    case PAGING_32:
    case PAGING_PSE:
    case PAGING_PAE:
    case PAGING_LONG:
        return true;
    case PAGING_OFF:
        break;
    }
    return false;
}

/* "32", "pse", "pae", "long"; "off" for PAGING_OFF, "?" out of range. */
static inline const char *paging_mode_keyword(enum paging_mode m)
{
    switch (m) {
    case PAGING_32:
        return "32";
    case PAGING_PSE:
        return "pse";
    case PAGING_PAE:
        return "pae";
    case PAGING_LONG:
        return "long";
    case PAGING_OFF:
        return "off";
    }
    return "?";
}

/* Parses a keyword of a configurable mode ("32", "pse", "pae", "long";
 * case-sensitive). False, *out untouched, for anything else ("off" too). */
static inline bool paging_mode_parse(const char *s, enum paging_mode *out)
{
    static const enum paging_mode modes[PAGING_NMODES] = {PAGING_32, PAGING_PSE, PAGING_PAE,
                                                          PAGING_LONG};
    if (s == NULL)
        return false;
    for (unsigned i = 0; i < PAGING_NMODES; i++) {
        if (strcmp(s, paging_mode_keyword(modes[i])) == 0) {
            *out = modes[i];
            return true;
        }
    }
    return false;
}

#endif
