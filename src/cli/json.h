/*
 * json.h - the few JSON writing helpers the headless commands need
 * (CONTRACT 3): strings escaped per RFC 8259, addresses and register values
 * as "0x..." strings, counts as numbers. Output only; no parsing.
 */
#ifndef PAGESIM_CLI_JSON_H
#define PAGESIM_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string literal (quotes included): '"' and '\\' are
 * escaped, control characters become \n, \t... or \u00XX, bytes >= 0x80 are
 * copied (UTF-8 passes through; invalid bytes become U+FFFD). */
void json_string(FILE *f, const char *s);

/* Writes "0x%08llx": at least 8 hex digits, more when the value needs them. */
void json_hex(FILE *f, uint64_t v);

/* Writes an unsigned count as a JSON number. */
void json_uint(FILE *f, uint64_t v);

#endif
