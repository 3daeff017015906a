/*
 * options.c - the shared command-line options (CONTRACT 1: --ram, --paging,
 * --tlb, --at), parsed from words into a struct replay_options. Pure: the
 * callers (cli/, ui/) print the reason and exit.
 */
#include "replay/options.h"

#include <stdio.h>
#include <string.h>

#include "limits/limits.h"

bool replay_check_ram(uint64_t bytes, char *msg, size_t msglen)
{
    struct limits_fault f = limits_ram(bytes);
    if (f.rule == LIMITS_OK)
        return true;
    snprintf(msg, msglen, "%s", limits_words(f.rule, LIMITS_AS_OPTION));
    return false;
}

int replay_error_format(const char *file, const struct trace_error *e, char *buf, size_t len)
{
    char f[768], msg[4 * sizeof e->msg], tok[4 * sizeof e->token];
    if (len == 0)
        return e->option[0] != '\0' ? 2 : 1;
    trace_escape(f, sizeof f, file, strlen(file));
    trace_escape(msg, sizeof msg, e->msg[0] ? e->msg : "error",
                 strlen(e->msg[0] ? e->msg : "error"));
    trace_escape(tok, sizeof tok, e->token, strlen(e->token));
    if (e->option[0] != '\0') {
        snprintf(buf, len, "%s %s: %s", e->option, tok, msg);
        return 2;
    }
    int n = snprintf(buf, len, "%s:%u:%u: error: %s", f, e->line ? e->line : 1u,
                     e->col ? e->col : 1u, msg);
    if (n >= 0 && (size_t)n < len && tok[0] != '\0' && strstr(msg, tok) == NULL)
        snprintf(buf + n, len - (size_t)n, " '%s'", tok);
    return 1;
}

bool replay_check_tlb(uint64_t entries, uint64_t ways, char *msg, size_t msglen)
{
    struct limits_fault f = limits_tlb(entries, ways);
    if (f.rule == LIMITS_OK)
        return true;
    snprintf(msg, msglen, "%s", limits_words(f.rule, LIMITS_AS_OPTION));
    return false;
}

/* Splits "--name=value" or "--name value": returns the value or NULL when
 * missing; advances *i past what was used. */
static const char *option_value(int argc, char **argv, int *i, size_t namelen)
{
    const char *w = argv[*i];
    if (w[namelen] == '=') {
        (*i)++;
        return w + namelen + 1;
    }
    if (*i + 1 >= argc) {
        (*i)++;
        return NULL;
    }
    const char *v = argv[*i + 1];
    *i += 2;
    return v;
}

static bool parse_tlb(const char *v, struct replay_options *o, char *msg, size_t msglen)
{
    char buf[64];
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof buf) {
        snprintf(msg, msglen, "not a TLB geometry (want ENTRIES[:WAYS])");
        return false;
    }
    memcpy(buf, v, n + 1);
    char *colon = strchr(buf, ':');
    uint64_t entries, ways;
    if (colon != NULL)
        *colon = '\0';
    if (!trace_number_parse(buf, false, &entries) ||
        (colon != NULL && !trace_number_parse(colon + 1, false, &ways))) {
        snprintf(msg, msglen, "not a TLB geometry (want ENTRIES[:WAYS])");
        return false;
    }
    if (colon == NULL)
        ways = limits_tlb_default_ways(entries);
    if (!replay_check_tlb(entries, ways, msg, msglen))
        return false;
    o->has_tlb = true;
    o->tlb_entries = (unsigned)entries;
    o->tlb_ways = (unsigned)ways;
    return true;
}

/* --at N or N.E (CONTRACT 1): N an operation number, E a micro-event of it,
 * both as trace numbers (decimal or 0x hex). On failure writes why to msg. */
static bool parse_at(const char *v, struct replay_options *o, char *msg, size_t msglen)
{
    char op[64], ev[64];
    const char *dot = strchr(v, '.');
    size_t oplen = dot != NULL ? (size_t)(dot - v) : strlen(v);
    uint64_t n = 0, e = 0;
    bool ok = oplen < sizeof op;
    if (ok) {
        memcpy(op, v, oplen);
        op[oplen] = '\0';
        ok = trace_number_parse(op, false, &n);
    }
    if (ok && dot != NULL) {
        ok = strlen(dot + 1) < sizeof ev;
        if (ok) {
            strcpy(ev, dot + 1);
            ok = trace_number_parse(ev, false, &e);
        }
    }
    if (!ok) {
        snprintf(msg, msglen, "not a position (want N or N.E: operation N, event E)");
        return false;
    }
    o->has_at = true;
    o->at = n;
    o->has_at_event = dot != NULL;
    o->at_event = e;
    return true;
}

/* Sets option which (0 --ram, 1 --paging, 2 --tlb, 3 --at) from v; on
 * failure writes why (without the option's name) to msg. */
static bool take_value(struct replay_options *o, int which, const char *v, char *msg, size_t msglen)
{
    uint64_t n;
    switch (which) {
    case 0:
        if (!trace_number_parse(v, true, &n)) {
            snprintf(msg, msglen, "not a RAM size (want e.g. 16M, 4G, 0x100000)");
            return false;
        }
        if (!replay_check_ram(n, msg, msglen))
            return false;
        o->has_ram = true;
        o->ram = n;
        return true;
    case 1:
        if (!trace_paging_parse(v, &o->paging)) {
            snprintf(msg, msglen, "not a paging mode (want 32, pse, pae or long)");
            return false;
        }
        o->has_paging = true;
        return true;
    case 2:
        return parse_tlb(v, o, msg, msglen);
    default:
        return parse_at(v, o, msg, msglen);
    }
}

enum options_result replay_options_take(struct replay_options *o, int argc, char **argv, int *i,
                                        char *msg, size_t msglen)
{
    static const char *const names[] = {"--ram", "--paging", "--tlb", "--at"};
    const char *w = argv[*i];
    size_t which = 0, namelen = 0;
    for (; which < sizeof names / sizeof names[0]; which++) {
        namelen = strlen(names[which]);
        if (strncmp(w, names[which], namelen) == 0 && (w[namelen] == '\0' || w[namelen] == '='))
            break;
    }
    if (which == sizeof names / sizeof names[0])
        return OPTIONS_NOT_MINE;

    const char *v = option_value(argc, argv, i, namelen);
    if (v == NULL) {
        snprintf(msg, msglen, "option %s needs a value", names[which]);
        return OPTIONS_BAD;
    }
    char why[160];
    if (take_value(o, (int)which, v, why, sizeof why))
        return OPTIONS_TAKEN;
    /* CONTRACT 1: the message names the option and its value. */
    snprintf(msg, msglen, "%s %.60s: %s", names[which], v, why);
    return OPTIONS_BAD;
}
