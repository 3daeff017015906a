/*
 * theme.c - the colour theme: every role of fmt.h gets a foreground and a
 * background for colour terminals (eight basic colours, so that any
 * terminal and any projector show them) and an attribute set for monochrome
 * ones. Frame glyphs differ by role as well (fmt_frame_cell), so a grid stays
 * readable without colour; the monochrome scheme marks what matters most:
 * the cursor (reverse, bold), what the current step changed (bold,
 * underline) and faults (reverse, underline).
 */
#include "theme.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

struct role_style {
    short fg, bg; /* -1: the terminal's default */
    attr_t color_attr;
    attr_t mono_attr;
};

static const struct role_style styles[UI_ROLE_COUNT] = {
    [UI_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [UI_DIM] = {COLOR_BLUE, -1, A_BOLD, A_DIM},
    [UI_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_STATUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [UI_KEYBAR] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE},
    [UI_CURSOR] = {COLOR_BLACK, COLOR_WHITE, A_BOLD, A_REVERSE | A_BOLD},
    [UI_CHANGED] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_FAULT] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_UNDERLINE},
    [UI_CAPTION] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [UI_PRESENT] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [UI_NOTPRESENT] = {COLOR_BLUE, -1, A_BOLD, A_DIM},
    [UI_HIT] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [UI_MISS] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_FRAME_FREE] = {COLOR_BLUE, -1, A_NORMAL, A_DIM},
    [UI_FRAME_RESERVED] = {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    [UI_FRAME_USED] = {COLOR_WHITE, -1, A_BOLD, A_BOLD},
    [UI_FRAME_KERNEL] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_BOLD},
    [UI_FRAME_PML4] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD},
    [UI_FRAME_PDPT] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_FRAME_PD] = {COLOR_WHITE, COLOR_MAGENTA, A_BOLD, A_BOLD},
    [UI_FRAME_PT] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [UI_FRAME_HEAP] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [UI_FRAME_DEVICE] = {COLOR_CYAN, -1, A_BOLD, A_UNDERLINE},
    [UI_FIELD0] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_FIELD1] = {COLOR_GREEN, -1, A_BOLD, A_UNDERLINE},
    [UI_FIELD2] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [UI_FIELD3] = {COLOR_MAGENTA, -1, A_BOLD, A_UNDERLINE},
    [UI_FIELD_OFF] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
};

/* The attributes chosen by theme_init: the curses lifecycle is one per
 * process, and so is the theme. */
static attr_t role_attr[UI_ROLE_COUNT];
static bool colors_on;

bool theme_no_color_env(void)
{
    const char *v = getenv("NO_COLOR");
    return v != NULL && v[0] != '\0';
}

bool theme_init(bool color)
{
    colors_on = false;
    if (color && has_colors() && start_color() != ERR) {
        bool defaults = use_default_colors() != ERR;
        colors_on = COLOR_PAIRS > UI_ROLE_COUNT;
        for (int r = 0; colors_on && r < UI_ROLE_COUNT; r++) {
            short fg = styles[r].fg, bg = styles[r].bg;
            if (!defaults) {
                fg = fg < 0 ? COLOR_WHITE : fg;
                bg = bg < 0 ? COLOR_BLACK : bg;
            }
            if (init_pair((short)(r + 1), fg, bg) == ERR)
                colors_on = false;
        }
    }
    for (int r = 0; r < UI_ROLE_COUNT; r++) {
        if (colors_on)
            role_attr[r] = COLOR_PAIR(r + 1) | styles[r].color_attr;
        else
            role_attr[r] = styles[r].mono_attr;
    }
    return colors_on;
}

attr_t theme_attr(enum ui_role role)
{
    if ((unsigned)role >= UI_ROLE_COUNT)
        return A_NORMAL;
    return role_attr[role];
}

bool theme_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}
