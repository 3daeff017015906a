/*
 * boot.h - the machine a trace asks for. Builds the machine configuration
 * from the trace's configuration lines (trace/) with the command line's
 * options over them, checks it, boots the machine, and when the machine
 * refuses to boot says why in the trace's terms: the configuration line to
 * blame (line, column, token) or the command-line option (err->option).
 *
 * The configuration lives in the machine only (machine_config): it is
 * built here for the boot and dropped, so no copy can go stale while the
 * machine grows (machine_reserve_ids). This layer never prints.
 */
#ifndef PAGESIM_REPLAY_BOOT_H
#define PAGESIM_REPLAY_BOOT_H

#include "replay/options.h"
#include "sim/event.h"
#include "sim/machine.h"
#include "trace/trace.h"

/* Boots the machine of trace t with o's options overriding its
 * configuration lines (o may be NULL), events of the boot going to sink
 * (may be NULL). Returns NULL with *err filled (err may be NULL) when the
 * configuration is rejected (RAM size, TLB geometry, ranges, kernel does not
 * fit) or memory runs out. */
struct machine *replay_boot(const struct trace *t, const struct replay_options *o,
                            const struct event_sink *sink, struct trace_error *err);

/* Fills *err (when not NULL) with a position, a token and a message, each
 * cut to its field. */
void replay_set_error(struct trace_error *err, unsigned line, unsigned col, const char *token,
                      const char *msg);

#endif
