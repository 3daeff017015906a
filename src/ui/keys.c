/*
 * keys.c - the key table of the visualizer and the help screen made from it.
 * Keys of CONTRACT 4 come first; cursor keys follow vi as well as the
 * arrows' up and down, since left and right step through the trace.
 */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include <curses.h>

#define CTRL(c) ((c)&0x1f)

static const struct key_binding table[] = {
    {'q', "q", ACT_QUIT},
    {KEY_F(10), "F10", ACT_QUIT},
    {'?', "?", ACT_HELP},
    {KEY_F(1), "F1", ACT_HELP},
    {' ', "space", ACT_PLAY},
    {KEY_RIGHT, "right", ACT_STEP},
    {'n', "n", ACT_STEP},
    {KEY_LEFT, "left", ACT_BACK},
    {'b', "b", ACT_BACK},
    {'s', "s", ACT_MICRO},
    {'S', "S", ACT_MICRO_BACK},
    {'e', "e", ACT_NEXT_CHANGE},
    {'E', "E", ACT_PREV_CHANGE},
    {'H', "H", ACT_LOG_HITS},
    {'+', "+", ACT_FASTER},
    {'=', "=", ACT_FASTER},
    {'-', "-", ACT_SLOWER},
    {'g', "g", ACT_GOTO},
    {'t', "t", ACT_TRANSLATE},
    {'Q', "Q", ACT_QUIZ},
    {'/', "/", ACT_SEARCH},
    {'\t', "Tab", ACT_NEXT_VIEW},
    {KEY_BTAB, "S-Tab", ACT_PREV_VIEW},
    {'1', "1", ACT_VIEW1},
    {'2', "2", ACT_VIEW2},
    {'3', "3", ACT_VIEW3},
    {'4', "4", ACT_VIEW4},
    {'5', "5", ACT_VIEW5},
    {'6', "6", ACT_VIEW6},
    {'<', "<", ACT_START},
    {'>', ">", ACT_END},
    {KEY_UP, "up", ACT_UP},
    {'k', "k", ACT_UP},
    {KEY_DOWN, "down", ACT_DOWN},
    {'j', "j", ACT_DOWN},
    {'h', "h", ACT_LEFT},
    {'l', "l", ACT_RIGHT},
    {KEY_PPAGE, "PgUp", ACT_PAGE_UP},
    {KEY_NPAGE, "PgDn", ACT_PAGE_DOWN},
    {KEY_HOME, "Home", ACT_TOP},
    {KEY_END, "End", ACT_BOTTOM},
    {'\n', "Enter", ACT_ENTER},
    {'\r', "Enter", ACT_ENTER},
    {KEY_ENTER, "Enter", ACT_ENTER},
    {KEY_BACKSPACE, "Backspace", ACT_POP},
    {127, "Backspace", ACT_POP},
    {CTRL('h'), "Backspace", ACT_POP},
    {'z', "z", ACT_ZOOM_IN},
    {'Z', "Z", ACT_ZOOM_OUT},
    {'a', "a", ACT_SHOW_ALL},
    {'F', "F", ACT_BREAK_FAULT},
    {'C', "C", ACT_BREAK_CAPTION},
    {'D', "D", ACT_BREAK_DIAG},
    {CTRL('l'), "^L", ACT_REDRAW},
    {KEY_MOUSE, "mouse", ACT_MOUSE},
};

static const char *const help[ACT_COUNT] = {
    [ACT_NONE] = "",
    [ACT_QUIT] = "quit (the terminal is restored)",
    [ACT_HELP] = "this help screen (any key closes it)",
    [ACT_PLAY] = "play / pause the replay",
    [ACT_STEP] = "step one trace operation",
    [ACT_BACK] = "step back one trace operation",
    [ACT_MICRO] = "step one micro-event: the views show the machine after it",
    [ACT_MICRO_BACK] = "step back one micro-event (across operations too)",
    [ACT_NEXT_CHANGE] = "next event that changes more than TLB hit/miss counters",
    [ACT_PREV_CHANGE] = "previous event that changes more than TLB hit/miss counters",
    [ACT_LOG_HITS] = "Log view: hide / show TLB hits",
    [ACT_FASTER] = "play faster (operations per second, in the status line)",
    [ACT_SLOWER] = "play slower",
    [ACT_GOTO] = "go to operation N (prompt)",
    [ACT_TRANSLATE] = "translate an address (prompt: ADDR [r|w|x] [u]), translation view",
    [ACT_QUIZ] = "quiz mode on/off: the next translation (t, n, s) is hidden until you answer",
    [ACT_SEARCH] = "heap view: search block ids and addresses (prompt; empty: next match)",
    [ACT_NEXT_VIEW] = "next view (one view at a time on small screens)",
    [ACT_PREV_VIEW] = "previous view",
    [ACT_VIEW1] = "Frames view: the bytemap, one cell per frame or group",
    [ACT_VIEW2] = "Tables view: the paging structures from CR3",
    [ACT_VIEW3] = "Translation view: address fields, the walk, faults",
    [ACT_VIEW4] = "TLB view: sets by ways, LRU order, hits and misses",
    [ACT_VIEW5] = "Heap view: the allocator's chunks as its metadata in RAM says",
    [ACT_VIEW6] = "Log view: micro-events, captions",
    [ACT_START] = "go to the start of the trace (operation 0)",
    [ACT_END] = "go to the end of the trace (Home and End move in the view)",
    [ACT_UP] = "cursor up (frame, entry, block, log line)",
    [ACT_DOWN] = "cursor down",
    [ACT_LEFT] = "cursor left (frames)",
    [ACT_RIGHT] = "cursor right (frames)",
    [ACT_PAGE_UP] = "page up",
    [ACT_PAGE_DOWN] = "page down",
    [ACT_TOP] = "first row of the view (frame, entry, TLB way, block, oldest log line)",
    [ACT_BOTTOM] = "last row of the view (newest log line)",
    [ACT_ENTER] = "open the table the entry points to (tables view)",
    [ACT_POP] = "back to the parent table (tables view)",
    [ACT_ZOOM_IN] = "zoom in: fewer frames per cell (frames view)",
    [ACT_ZOOM_OUT] = "zoom out: more frames per cell",
    [ACT_SHOW_ALL] = "tables view: show all entries / present entries only",
    [ACT_BREAK_FAULT] = "breakpoint on page faults on/off (playback stops there)",
    [ACT_BREAK_CAPTION] = "breakpoint on captions (say) on/off",
    [ACT_BREAK_DIAG] = "breakpoint on diagnostics on/off",
    [ACT_REDRAW] = "redraw the screen",
    [ACT_MOUSE] = "click: select a frame, an entry or a block; choose a view",
};

static const char *const notes[] = {
    "",
    "Stepping into an operation (s, S): the machine stops right after each",
    "micro-event, and every view shows it as it is then (the same state as",
    "pagesim replay --at N.E). The status line names the step the event belongs",
    "to (malloc, VMM, frame allocator, map, carve; free, unmap, INVLPG, fault,",
    "MMU...). n or right finishes the operation, b or left goes to its start.",
    "Cell glyphs: . free  # reserved  K kernel  L PML4  P PDPT  D page directory",
    "  T page table  H heap  V device  U used.",
    "Quiz (Q): answer with a physical address in hex (0x optional), or pf / gp for a",
    "  fault; right or wrong comes with the walk and why. Esc leaves the question open,",
    "  t answers it, Q gives up and shows it. n, s, space and the arrows step on",
    "  (never typed as the answer). The status line keeps the score, right/asked.",
    "  While a question is open the caption and the views that could show the",
    "  answer are hidden; the Tables view (2) stays, to walk by hand.",
};

enum ui_action keys_action(int key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].key == key)
            return table[i].action;
    }
    return ACT_NONE;
}

const struct key_binding *keys_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const char *keys_action_help(enum ui_action action)
{
    if ((unsigned)action >= ACT_COUNT || help[action] == NULL)
        return "";
    return help[action];
}

bool keys_help_line(struct fmt_line *l, size_t i)
{
    fmt_line_clear(l);
    size_t nt = sizeof table / sizeof table[0];
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
        bool bound = false;
        for (size_t k = 0; k < nt && !bound; k++)
            bound = table[k].action == (enum ui_action)a;
        if (!bound)
            continue;
        if (i-- != 0)
            continue;
        /* All the keys of this action, each label once. */
        char keys[64] = "";
        int klen = 0;
        for (size_t k = 0; k < nt; k++) {
            if (table[k].action != (enum ui_action)a)
                continue;
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++) {
                seen = table[j].action == (enum ui_action)a &&
                       strcmp(table[j].label, table[k].label) == 0;
            }
            if (seen)
                continue;
            klen += snprintf(keys + klen, sizeof keys - (size_t)klen, "%s%s", klen ? ", " : "",
                             table[k].label);
            if (klen >= (int)sizeof keys)
                klen = (int)sizeof keys - 1;
        }
        fmt_put(l, UI_TITLE, "%-16s", keys);
        fmt_put(l, UI_NORMAL, " %s", help[a]);
        return true;
    }
    if (i < sizeof notes / sizeof notes[0]) {
        fmt_put(l, UI_DIM, "%s", notes[i]);
        return true;
    }
    i -= sizeof notes / sizeof notes[0];
    /* The flag letters, from sim/paging.h's table (the one place they are
     * written): the Tables and Translation views' column, the TLB's. */
    if (i == 0) {
        fmt_put(l, UI_DIM,
                "Flag letters of an entry (Tables, Translation; the TLB shows W U X D G),");
        return true;
    }
    if (i == 1) {
        fmt_put(l, UI_DIM, "'-' when clear:");
        return true;
    }
    i -= 2;
    if (i < FMT_ENTRY_FLAGS + 1) {
        const struct paging_flag *f =
            paging_flag(i < FMT_ENTRY_FLAGS ? fmt_entry_flag_ids[i] : PFLAG_RSVD);
        fmt_put(l, UI_TITLE, "  %c", f->letter);
        fmt_put(l, UI_NORMAL, "  %-8s %s", f->name, f->meaning);
        return true;
    }
    return false;
}
