/*
 * bench_render.c - render_ms_16m and render_ms_4g (CONTRACT 5): one full
 * redraw of the Frames view at 200x60, for a 16 MiB and a 4 GiB machine.
 *
 * What is measured, per redraw: the view's format and paint (the grid of
 * 200x60 minus legend rows, each cell summarising its group of frames from
 * the bytemap: 1 frame per cell at 16 MiB, 128 at 4 GiB; the cursor frame's
 * reverse map through the page tables, recomputed every time), then
 * wnoutrefresh + doupdate with clearok(curscr) so curses re-emits the whole
 * screen. The terminal is a real SCREEN from newterm() with
 * TERM=xterm-256color (colours on) writing to /dev/null. The machine is a
 * real timeline after a few allocations. Reported: the median of 200
 * redraws, in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "bench.h"
#include "replay/timeline.h"
#include "trace/trace.h"
#include "ui/theme.h"
#include "ui/ui.h"
#include "ui/view_frames.h"

#define ROWS 60
#define COLS 200
#define RUNS 200

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double measure(const char *text, const char *name)
{
    struct trace_error err;
    struct trace *t = trace_parse(text, strlen(text), name, &err);
    if (t == NULL) {
        fprintf(stderr, "bench_render: %s:%u: %s\n", name, err.line, err.msg);
        exit(1);
    }
    struct timeline *tl = timeline_create(t, NULL, NULL, &err);
    if (tl == NULL) {
        fprintf(stderr, "bench_render: %s: %s\n", name, err.msg);
        exit(1);
    }
    timeline_goto(tl, timeline_len(tl));
    struct ui ui;
    if (!ui_state_init(&ui, tl, name)) {
        fprintf(stderr, "bench_render: %s: out of memory\n", name);
        exit(1);
    }
    struct frames_state *fs = ui.view_state[VIEW_FRAMES];
    fs->cursor = 0x107; /* a heap frame: its reverse map walks the tables */
    struct ui_rect r = {0, 0, ROWS, COLS};
    double ms[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = bench_now_ns();
        fs->rev_valid = false;
        ui_draw_view(&ui, VIEW_FRAMES, &r, true);
        clearok(curscr, TRUE);
        wnoutrefresh(stdscr);
        doupdate();
        ms[i] = (bench_now_ns() - t0) / 1e6;
    }
    qsort(ms, RUNS, sizeof ms[0], cmp_double);
    ui_state_free(&ui);
    timeline_destroy(tl);
    trace_free(t);
    return ms[RUNS / 2];
}

int main(void)
{
    FILE *out = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    if (out == NULL || in == NULL)
        return 1;
    SCREEN *scr = newterm("xterm-256color", out, in);
    if (scr == NULL) {
        fprintf(stderr, "bench_render: no terminfo entry for xterm-256color\n");
        return 1;
    }
    resizeterm(ROWS, COLS);
    theme_init(true);
    const char *ops = "malloc a 100\nwrite a 0 100\nmalloc b 300000\nwrite b 0 300000\n"
                      "malloc c 5000\nfree a\n";
    char text[512];
    snprintf(text, sizeof text, "ram 16M\npaging 32\n%s", ops);
    double m16 = measure(text, "render-16m");
    snprintf(text, sizeof text, "ram 4G\npaging pae\n%s", ops);
    double m4g = measure(text, "render-4g");
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    bench_report("render_ms_16m", m16, "ms");
    bench_report("render_ms_4g", m4g, "ms");
    return 0;
}
