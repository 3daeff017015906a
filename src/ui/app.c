/*
 * app.c - the curses lifecycle and main loop of the visualizer (CONTRACT 4).
 *
 * screen.c draws the screen (status line, caption, the panes of the views,
 * key bar); the views are reached only through the view table (view.c).
 * Keys come from keys.c's table; their handlers set dirty flags and the
 * loop redraws once per iteration (tmux's CLIENT_REDRAW). Playback runs as many operations as the speed asks for the
 * time elapsed, in bounded batches, and draws at most once per screen frame:
 * never per operation, so a 4-million-operation trace stays responsive.
 * Long forward moves (> and g) are cut the same way: the loop runs about
 * 20 ms of operations toward the target, redraws the status line with the
 * progress and reads keys between chunks (q quits, any other key stops the
 * move where it is); going back is fast already (checkpoints) and stays one
 * call. pace.c does the timing; this file reads keys and moves the trace.
 *
 * The terminal is restored on every way out: quit, errors, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT (the handler ends curses and re-raises with the
 * default action), and exit() through atexit. Ctrl-Z (SIGTSTP) leaves
 * curses, stops, and on `fg` comes back with keypad and mouse modes on and
 * the screen redrawn: the handler only sets a flag, which interrupts the
 * wait for a key (no SA_RESTART), and read_key() does the rest outside the
 * handler.
 *
 * Test hooks (docs/architecture.md, "Test hooks"): PAGESIM_TEST_CLOCK=tick
 * stops the clock, and then F12 moves it by one second (playback) and runs
 * the next chunk of a long move; PAGESIM_TEST_CHUNK=N makes a chunk N
 * operations. The terminal tests use them to see a move under way, or
 * playback, without racing the machine's speed.
 */
#include "app.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "keys.h"
#include "quiz_ui.h"
#include "screen.h"
#include "replay/options.h"
#include "replay/timeline.h"
#include "sim/cpu.h"
#include "termcheck.h"
#include "theme.h"
#include "ui.h"
#include "view_heap.h"
#include "view_translate.h"

#define FRAME_NS    33000000.0 /* a screen frame while playing: ~30 per second */
#define GO_CHUNK_NS 20000000.0 /* a long move's work between two looks at the keys */
#define TICK_KEY    KEY_F(12)  /* PAGESIM_TEST_CLOCK=tick: one tick of the clock */
#define MOUSE_MASK  (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)

/* The curses lifecycle is one per process: the signal handlers and atexit
 * need to know whether curses is on. */
static volatile sig_atomic_t curses_on;
static volatile sig_atomic_t stop_asked; /* SIGTSTP came: stop at the next key read */

static void end_curses(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
    }
}

/* A fatal signal: restore the terminal, then die of the signal as if we
 * had not caught it (the shell sees the real cause). */
static void on_signal(int sig)
{
    end_curses();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_tstp(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* Sets how sig is handled. No SA_RESTART: a signal interrupts the wait for
 * a key, so that read_key() sees a SIGTSTP at once. */
static void catch_signal(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static const unsigned speeds[] = {1,     2,      5,      10,     20,     50,    100,
                                  200,   500,    1000,   2000,   5000,   10000, 20000,
                                  50000, 100000, 200000, 500000, 1000000};

/* The translation view's state: the quiz's question lives there. */
static struct translate_state *translate_of(struct ui *ui)
{
    return ui->view_state[VIEW_TRANSLATE];
}

/* --- moving through the trace ------------------------------------------------- */

/* The views follow the cursor (an open question closes). The machine is
 * the one at the cursor, inside an operation too (timeline_goto_event):
 * reveal is the cursor's event, so nothing after it is shown anywhere. */
static void moved(struct ui *ui)
{
    if (timeline_inside(ui->tl))
        ui->micro = true;
    ui->reveal = (size_t)timeline_event_pos(ui->tl);
    ui_after_move(ui);
}

/* n: the next operation's end; inside an operation, this one's end. */
static void do_step(struct ui *ui)
{
    if (!timeline_step(ui->tl))
        snprintf(ui->note, sizeof ui->note, "end of trace");
    ui->micro = false;
    moved(ui);
}

/* Searching for a change goes at most this many operations ahead or back. */
#define CHANGE_SEARCH_OPS 4096

/* s, S, e, E: event-level moves; the status line then shows ev j/M. */
static void do_micro(struct ui *ui, enum ui_action a)
{
    bool ok;
    if (a == ACT_MICRO)
        ok = timeline_step_event(ui->tl);
    else if (a == ACT_MICRO_BACK)
        ok = timeline_back_event(ui->tl);
    else if (a == ACT_NEXT_CHANGE)
        ok = timeline_next_change(ui->tl, CHANGE_SEARCH_OPS);
    else
        ok = timeline_prev_change(ui->tl, CHANGE_SEARCH_OPS);
    if (!ok) {
        bool back = a == ACT_MICRO_BACK || a == ACT_PREV_CHANGE;
        snprintf(ui->note, sizeof ui->note, "%s",
                 back ? (timeline_pos(ui->tl) == 0 ? "at the start" : "no earlier change found")
                      : (timeline_pos(ui->tl) >= timeline_len(ui->tl) ? "end of trace"
                                                                      : "no later change found"));
    }
    ui->micro = true;
    moved(ui);
}

/* Shows how far the long move under way has come. */
static void go_note(struct ui *ui)
{
    snprintf(ui->note, sizeof ui->note, "going to op %llu... %u%% (any key stops, q quits)",
             (unsigned long long)ui->move.target, pace_move_percent(&ui->move, ui->tl));
}

/* After a move's step: the note, and the views follow when it is over. */
static void go_result(struct ui *ui, enum pace_move_result r)
{
    if (r == PACE_MOVE_GOING) {
        go_note(ui);
        return;
    }
    ui->note[0] = '\0';
    if (r == PACE_MOVE_OOM)
        snprintf(ui->note, sizeof ui->note, "out of memory for checkpoints");
    else if (ui->goto_clamped > 0) /* g past the end: say so */
        snprintf(ui->note, sizeof ui->note, "op %llu is past the end: clamped to the last, op %llu",
                 (unsigned long long)ui->goto_clamped, (unsigned long long)timeline_pos(ui->tl));
    ui->goto_clamped = 0;
    moved(ui);
}

/* Runs the next chunk of the long move under way. */
static void go_chunk(struct ui *ui)
{
    go_result(ui, pace_move_chunk(&ui->move, ui->tl, &ui->clock));
}

/* Stops the long move under way where it is. */
static void go_cancel(struct ui *ui)
{
    pace_move_cancel(&ui->move, ui->tl);
    ui->goto_clamped = 0;
    snprintf(ui->note, sizeof ui->note, "stopped at op %llu (go to op %llu cancelled)",
             (unsigned long long)timeline_pos(ui->tl), (unsigned long long)ui->move.target);
    moved(ui);
}

/* Moves the cursor to k. Back (checkpoints) and short forward moves are done
 * at once; a long forward move becomes a move under way that the main loop
 * runs in chunks (go_chunk), reading keys between them. */
static void do_goto(struct ui *ui, uint64_t k)
{
    ui->micro = false;
    enum pace_move_result r = pace_move_start(&ui->move, ui->tl, k, &ui->clock);
    if (r == PACE_MOVE_GOING)
        ui->play.playing = false; /* a long move stops playback; a short one does not */
    go_result(ui, r);
}

/* Runs the operations due since the last call, at the speed asked. */
static void play(struct ui *ui)
{
    enum pace_stop why;
    unsigned mask = 0;
    uint64_t n = pace_play_run(&ui->play, ui->tl, &ui->clock, ui->breaks, &why, &mask);
    if (why == PACE_END)
        snprintf(ui->note, sizeof ui->note, "end of trace");
    else if (why == PACE_BREAK)
        snprintf(ui->note, sizeof ui->note, "breakpoint: %s",
                 (mask & TIMELINE_BREAK_FAULT)     ? "fault"
                 : (mask & TIMELINE_BREAK_CAPTION) ? "caption (space plays on; C: no pause)"
                                                   : "diagnostic");
    if (n > 0)
        moved(ui);
}

/* --- keys and signals ------------------------------------------------------- */

/* Ctrl-Z: leave curses (the terminal as the shell had it), stop, and on
 * `fg` come back: program modes, the alternate screen, keypad transmit
 * mode (else the arrows arrive as ESC [ C), mouse reporting, everything
 * redrawn. */
static void suspend(void)
{
    stop_asked = 0;
    end_curses();
    catch_signal(SIGTSTP, SIG_DFL);
    raise(SIGTSTP); /* stops here until SIGCONT */
    catch_signal(SIGTSTP, on_tstp);
    curses_on = 1;
    keypad(stdscr, TRUE); /* before the first redraw shows that we are back */
    mousemask(MOUSE_MASK, NULL);
    clearok(curscr, TRUE);
    refresh();
}

/* getch(), and a stop asked by SIGTSTP, which returns KEY_RESIZE (redraw
 * everything) unless a key came. With the test clock, TICK_KEY moves the
 * clock and reads as ERR: the time the caller waited for has passed. */
static int read_key(struct ui *ui)
{
    int ch = getch();
    if (stop_asked) {
        suspend();
        if (ch == ERR)
            ch = KEY_RESIZE;
    }
    if (ui->clock.manual && ch == TICK_KEY) {
        pace_tick(&ui->clock, ui->tick_ns);
        ch = ERR;
    }
    return ch;
}

/* --- prompts ----------------------------------------------------------------- */

/* Reads a line on the bottom row. Returns false on Esc or ^G. In an
 * answer (the quiz), a key that moves in time or leaves the question (n, s,
 * space, the arrows, g... that cannot be part of an answer, Q, Tab) is not
 * typed: it leaves the prompt and acts (ui->pending_key), q as Esc does, so
 * that stepping on past a question never types into its answer. */
static bool prompt(struct ui *ui, const char *label, char *buf, size_t len, bool answer)
{
    size_t n = 0;
    buf[0] = '\0';
    ui->prompt = label;
    ui->prompt_text = buf;
    curs_set(1);
    timeout(-1);
    bool ok = false;
    for (;;) {
        screen_draw(ui);
        int ch = read_key(ui);
        if (ch == KEY_RESIZE || ch == ERR)
            continue;
        if (ch == 27 || ch == 7)
            break;
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            ok = true;
            break;
        }
        if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (n > 0)
                buf[--n] = '\0';
        } else if (answer && !quiz_ui_answer_char(ch) && quiz_ui_leaves_answer(keys_action(ch))) {
            if (keys_action(ch) != ACT_QUIT)
                ui->pending_key = ch; /* handled once the prompt is gone */
            break;
        } else if (ch >= 32 && ch < 127 && n + 1 < len) {
            buf[n++] = (char)ch;
            buf[n] = '\0';
        }
    }
    curs_set(0);
    ui->prompt = NULL;
    ui->prompt_text = NULL;
    return ok;
}

static void ask_goto(struct ui *ui)
{
    char buf[32], label[64];
    snprintf(label, sizeof label,
             "go to operation (0..%llu): ", (unsigned long long)timeline_len(ui->tl));
    if (!prompt(ui, label, buf, sizeof buf, false) || buf[0] == '\0')
        return;
    uint64_t k;
    if (!trace_number_parse(buf, false, &k)) {
        snprintf(ui->note, sizeof ui->note, "not an operation number: %.40s", buf);
        return;
    }
    if (k > timeline_len(ui->tl)) {
        ui->goto_clamped = k; /* go_result says so when the move ends */
        k = timeline_len(ui->tl);
    }
    do_goto(ui, k);
}

/* Asks for the answer to the open question until one is understood (then
 * reveals it) or Esc (the question stays open). */
static void quiz_answer(struct ui *ui)
{
    struct translate_state *ts = translate_of(ui);
    char buf[sizeof ts->quiz_answer];
    ui->focus = VIEW_TRANSLATE;
    for (;;) {
        if (!prompt(ui, QUIZ_UI_PROMPT, buf, sizeof buf, true)) {
            snprintf(ui->note, sizeof ui->note, "quiz: question open; t answers it, Q gives up");
            return;
        }
        struct fmt_line v[QUIZ_UI_LINES];
        unsigned nv = 0;
        enum quiz_ui_verdict verdict =
            quiz_ui_judge(&ui->mode, ui->maxphyaddr, &ts->quiz_pr, buf, v, &nv);
        if (verdict == QUIZ_UI_UNCLEAR) {
            snprintf(ui->note, sizeof ui->note, "%.150s", nv > 0 ? v[0].text : "try again");
            continue;
        }
        memcpy(ts->quiz_answer, buf, sizeof ts->quiz_answer);
        ts->quiz_state = UI_QUIZ_REVEALED;
        ui->quiz_asked++;
        ui->quiz_right += verdict == QUIZ_UI_RIGHT;
        char sc[32];
        snprintf(ui->note, sizeof ui->note, "quiz: %s, %s",
                 verdict == QUIZ_UI_RIGHT ? "right" : "wrong",
                 quiz_ui_score(ui->quiz_right, ui->quiz_asked, sc, sizeof sc));
        return;
    }
}

/* Makes the probe pr the open question and asks for its answer. */
static void quiz_ask(struct ui *ui, const struct timeline_probe *pr, bool known, bool from_step)
{
    struct translate_state *ts = translate_of(ui);
    ts->quiz_pr = *pr;
    ts->quiz_known = known;
    ts->quiz_from_step = from_step;
    ts->quiz_op = timeline_pos(ui->tl);
    ts->quiz_answer[0] = '\0';
    ts->quiz_state = UI_QUIZ_ASKING;
    quiz_answer(ui);
}

/* After n or s in quiz mode: the access the step revealed becomes the
 * question (n: the operation's last one; s: the event just revealed). */
static void quiz_after_step(struct ui *ui, bool micro)
{
    struct translate_state *ts = translate_of(ui);
    uint64_t va;
    enum mmu_access acc;
    bool user, known;
    if (!view_translate_current_access(ui, micro, &va, &acc, &user, &known))
        return;
    struct timeline_probe pr;
    timeline_translate(ui->tl, va, acc, user, &pr);
    ts->typed = false;
    quiz_ask(ui, &pr, known, true);
}

static void ask_translate(struct ui *ui)
{
    struct translate_state *ts = translate_of(ui);
    if (ts->quiz_state == UI_QUIZ_ASKING) {
        quiz_answer(ui);
        return;
    }
    char buf[96];
    const char *label = ui->quiz ? "quiz: translate ADDR [r|w|x] [u] (empty: latest access): "
                                 : "translate ADDR [r|w|x] [u] (empty: latest access): ";
    if (!prompt(ui, label, buf, sizeof buf, false))
        return;
    ui->focus = VIEW_TRANSLATE;
    char *save = NULL;
    char *tok = strtok_r(buf, " \t", &save);
    if (tok == NULL) {
        ts->typed = false;
        return;
    }
    uint64_t va;
    if (!trace_number_parse(tok, false, &va)) {
        snprintf(ui->note, sizeof ui->note, "not an address: %.40s", tok);
        return;
    }
    enum mmu_access acc = MMU_READ;
    bool user = false;
    while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
        if (strcmp(tok, "r") == 0 || strcmp(tok, "read") == 0) {
            acc = MMU_READ;
        } else if (strcmp(tok, "w") == 0 || strcmp(tok, "write") == 0) {
            acc = MMU_WRITE;
        } else if (strcmp(tok, "x") == 0 || strcmp(tok, "exec") == 0) {
            acc = MMU_EXEC;
        } else if (strcmp(tok, "u") == 0 || strcmp(tok, "user") == 0) {
            user = true;
        } else if (strcmp(tok, "s") == 0 || strcmp(tok, "supervisor") == 0) {
            user = false;
        } else {
            snprintf(ui->note, sizeof ui->note, "unknown access word: %.30s", tok);
            return;
        }
    }
    ts->typed = true;
    timeline_translate(ui->tl, va, acc, user, &ts->probe);
    if (ui->quiz)
        quiz_ask(ui, &ts->probe, true, false);
    else
        ts->quiz_state = UI_QUIZ_IDLE;
}

/* `/` in the heap view: a search of block ids and addresses; an empty
 * answer repeats the last one (n is taken: it steps). */
static void ask_search(struct ui *ui)
{
    if (ui->focus != VIEW_HEAP) {
        snprintf(ui->note, sizeof ui->note, "/ searches the heap view (5)");
        return;
    }
    char buf[64];
    if (!prompt(ui, "search heap: id or address (empty: next match): ", buf, sizeof buf, false))
        return;
    view_heap_search(ui, buf, ui->note, sizeof ui->note);
}

/* --- keys --------------------------------------------------------------------- */

static void click(struct ui *ui)
{
    MEVENT me;
    if (getmouse(&me) != OK || ui->help || ui->too_small)
        return;
    if (!(me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)))
        return;
    for (int i = 0; i < ui->npanes; i++) {
        const struct ui_rect *r = &ui->pane[i];
        if (me.y < r->y || me.y >= r->y + r->h || me.x < r->x || me.x >= r->x + r->w)
            continue;
        enum ui_view v = ui->pane_view[i];
        int y = me.y - r->y, x = me.x - r->x;
        ui_view_click(ui, v, r, y, x);
        if (ui->npanes == 1 || y == 0)
            ui->focus = v;
        return;
    }
}

static void toggle_break(struct ui *ui, unsigned bit, const char *what)
{
    ui->breaks ^= bit;
    snprintf(ui->note, sizeof ui->note, "break on %s: %s", what, (ui->breaks & bit) ? "on" : "off");
}

static void change_speed(struct ui *ui, int dir)
{
    size_t n = sizeof speeds / sizeof speeds[0];
    size_t i = 0;
    while (i + 1 < n && speeds[i] < ui->play.speed)
        i++;
    if (dir > 0 && i + 1 < n)
        i++;
    else if (dir < 0 && i > 0)
        i--;
    ui->play.speed = speeds[i];
}

/* Up, down and the page keys scroll the help; any other key closes it. */
static void help_key(struct ui *ui, enum ui_action a)
{
    if (a == ACT_UP || a == ACT_DOWN || a == ACT_PAGE_UP || a == ACT_PAGE_DOWN || a == ACT_TOP ||
        a == ACT_BOTTOM) {
        int d = a == ACT_UP        ? -1
                : a == ACT_DOWN    ? 1
                : a == ACT_PAGE_UP ? -10
                : a == ACT_TOP     ? -1000000
                : a == ACT_BOTTOM  ? 1000000
                                   : 10;
        struct fmt_line l;
        int total = 0;
        while (keys_help_line(&l, (size_t)total))
            total++;
        int last = total - (ui->rows - 4); /* the last line stays on the last row */
        ui->help_top += d;
        if (ui->help_top > last)
            ui->help_top = last;
        if (ui->help_top < 0)
            ui->help_top = 0;
        return;
    }
    ui->help = false;
}

/* Q: quiz mode on or off; off with a question open shows its answer. */
static void toggle_quiz(struct ui *ui)
{
    struct translate_state *ts = translate_of(ui);
    char sc[32];
    ui->quiz = !ui->quiz;
    if (ui->quiz)
        ui->quiz_right = ui->quiz_asked = 0; /* a new round */
    if (!ui->quiz && ts->quiz_state == UI_QUIZ_ASKING) {
        ts->quiz_state = UI_QUIZ_IDLE;
        ts->probe = ts->quiz_pr;
        ts->typed = !ts->quiz_from_step;
        ui->quiz_asked++; /* given up: asked, not right */
        snprintf(ui->note, sizeof ui->note, "quiz off: the answer is shown; %s",
                 quiz_ui_score(ui->quiz_right, ui->quiz_asked, sc, sizeof sc));
    } else if (ui->quiz) {
        snprintf(ui->note, sizeof ui->note, "%s",
                 "quiz on: t or a step asks; the walk stays hidden until you answer");
    } else {
        snprintf(ui->note, sizeof ui->note, "quiz off; %s",
                 quiz_ui_score(ui->quiz_right, ui->quiz_asked, sc, sizeof sc));
    }
}

/* Play or pause, step, back, step into: in quiz mode a step that revealed
 * an access asks about it. */
static void move_key(struct ui *ui, enum ui_action a)
{
    uint64_t before = timeline_pos(ui->tl);
    size_t shown = ui->micro ? ui->reveal : 0;
    switch ((int)a) {
    case ACT_PLAY:
        if (ui->play.playing) {
            ui->play.playing = false;
        } else if (timeline_pos(ui->tl) >= timeline_len(ui->tl)) {
            snprintf(ui->note, sizeof ui->note, "end of trace");
        } else {
            ui->micro = false;
            pace_play_start(&ui->play, &ui->clock);
            play(ui); /* the first operation runs at once */
        }
        break;
    case ACT_STEP:
        do_step(ui);
        if (ui->quiz && timeline_pos(ui->tl) != before)
            quiz_after_step(ui, false);
        break;
    case ACT_BACK:
        ui->micro = false;
        if (!timeline_back(ui->tl))
            snprintf(ui->note, sizeof ui->note, "at the start");
        moved(ui);
        break;
    case ACT_MICRO:
    case ACT_NEXT_CHANGE:
        do_micro(ui, a);
        if (ui->quiz && ui->micro && (timeline_pos(ui->tl) != before || ui->reveal != shown))
            quiz_after_step(ui, true);
        break;
    case ACT_MICRO_BACK:
    case ACT_PREV_CHANGE:
        do_micro(ui, a);
        break;
    default:
        break;
    }
}

/* Handles one key. Returns false to quit. long: one case per action of the
 * key table (keys.h), each a line or two; splitting it would scatter them. */
static bool handle_key(struct ui *ui, int ch)
{
    if (ch == KEY_RESIZE)
        return true;
    enum ui_action a = keys_action(ch);
    if (ui->help) {
        help_key(ui, a);
        return true;
    }
    ui->note[0] = '\0';
    switch (a) {
    case ACT_QUIT:
        return false;
    case ACT_HELP:
        ui->help = true;
        ui->help_top = 0;
        break;
    case ACT_PLAY:
    case ACT_STEP:
    case ACT_BACK:
    case ACT_MICRO:
    case ACT_MICRO_BACK:
    case ACT_NEXT_CHANGE:
    case ACT_PREV_CHANGE:
        move_key(ui, a);
        break;
    case ACT_FASTER:
        change_speed(ui, 1);
        break;
    case ACT_SLOWER:
        change_speed(ui, -1);
        break;
    case ACT_GOTO:
        ui->play.playing = false;
        ask_goto(ui);
        break;
    case ACT_TRANSLATE:
        ui->play.playing = false;
        ask_translate(ui);
        break;
    case ACT_QUIZ:
        toggle_quiz(ui);
        break;
    case ACT_SEARCH:
        ui->play.playing = false;
        ask_search(ui);
        break;
    case ACT_NEXT_VIEW:
        ui->focus = (enum ui_view)((ui->focus + 1) % VIEW_COUNT);
        break;
    case ACT_PREV_VIEW:
        ui->focus = (enum ui_view)((ui->focus + VIEW_COUNT - 1) % VIEW_COUNT);
        break;
    case ACT_VIEW1:
    case ACT_VIEW2:
    case ACT_VIEW3:
    case ACT_VIEW4:
    case ACT_VIEW5:
    case ACT_VIEW6:
        ui->focus = (enum ui_view)(a - ACT_VIEW1);
        break;
    case ACT_START:
        do_goto(ui, 0);
        break;
    case ACT_END:
        do_goto(ui, timeline_len(ui->tl));
        break;
    case ACT_BREAK_FAULT:
        toggle_break(ui, TIMELINE_BREAK_FAULT, "faults");
        break;
    case ACT_BREAK_CAPTION:
        toggle_break(ui, TIMELINE_BREAK_CAPTION, "captions");
        break;
    case ACT_BREAK_DIAG:
        toggle_break(ui, TIMELINE_BREAK_DIAG, "diagnostics");
        break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    case ACT_MOUSE:
        click(ui);
        break;
    case ACT_UP:
    case ACT_DOWN:
    case ACT_LEFT:
    case ACT_RIGHT:
    case ACT_PAGE_UP:
    case ACT_PAGE_DOWN:
    case ACT_TOP:
    case ACT_BOTTOM:
    case ACT_ENTER:
    case ACT_POP:
    case ACT_ZOOM_IN:
    case ACT_ZOOM_OUT:
    case ACT_SHOW_ALL:
    case ACT_LOG_HITS: /* the Log view's, whichever view has the focus */
        if (!ui_view_key(ui, a == ACT_LOG_HITS ? VIEW_LOG : ui->focus, a))
            snprintf(ui->note, sizeof ui->note, "key not used in this view");
        break;
    case ACT_NONE:
    case ACT_COUNT:
        break;
    }
    return true;
}

/* --- entry ---------------------------------------------------------------------- */

/* A positive count from the environment, 0 when unset or not one. */
static uint64_t env_count(const char *name)
{
    const char *v = getenv(name);
    uint64_t n;
    if (v == NULL || !trace_number_parse(v, false, &n))
        return 0;
    return n;
}

/* The clock and the chunks of long moves: real, or the tests' (test hooks
 * in docs/architecture.md). */
static void set_pace(struct ui *ui)
{
    const char *clk = getenv("PAGESIM_TEST_CLOCK");
    ui->clock.manual = clk != NULL && strcmp(clk, "tick") == 0;
    ui->clock.ns = 0;
    ui->tick_ns = 1e9;
    ui->play.frame_ns = FRAME_NS;
    ui->move.chunk_ns = GO_CHUNK_NS;
    ui->move.chunk_ops = env_count("PAGESIM_TEST_CHUNK");
    if (ui->clock.manual && ui->move.chunk_ops == 0)
        ui->move.chunk_ops = PACE_BATCH_OPS; /* a stopped clock cannot end a chunk */
}

/* Home and End in every form terminals send them: xterm's ESC O H and
 * ESC [ H, and the VT220's ESC [ 1 ~ and ESC [ 4 ~ that tmux, screen and
 * the Linux console send, whatever TERM's entry lists. */
static void define_home_end(void)
{
    static const char *const home[] = {"\033[1~", "\033[7~", "\033[H", "\033OH"};
    static const char *const end[] = {"\033[4~", "\033[8~", "\033[F", "\033OF"};
    for (size_t i = 0; i < sizeof home / sizeof home[0]; i++) {
        define_key(home[i], KEY_HOME);
        define_key(end[i], KEY_END);
    }
}

/* Prints an input error (escaped: replay_error_format); returns the exit
 * status: 1, or 2 when a command-line option's value is at fault. */
static int print_error(const char *path, const struct trace_error *e)
{
    char line[2048];
    int st = replay_error_format(path, e, line, sizeof line);
    fprintf(stderr, st == 2 ? "pagesim: %s\n" : "%s\n", line);
    if (st == 2)
        fputs("usage: pagesim [OPTIONS] TRACE (see pagesim --help)\n", stderr);
    return st;
}

static void run(struct ui *ui)
{
    bool dirty = true, full = true;
    for (;;) {
        if (dirty) {
            /* During a long move only the status lines change (the views
             * follow when it ends); a resize redraws everything. */
            if (ui->move.going && !full)
                screen_draw_progress(ui);
            else
                screen_draw(ui);
            dirty = full = false;
        }
        if (ui->clock.manual && (ui->move.going || ui->play.playing)) {
            timeout(-1); /* the test's clock: nothing is due before a tick */
        } else if (ui->move.going) {
            timeout(0);
        } else if (ui->play.playing) {
            double per_op = 1e9 / (double)ui->play.speed;
            double wait = per_op < FRAME_NS ? FRAME_NS : per_op;
            timeout((int)(wait / 1e6));
        } else {
            timeout(-1);
        }
        int ch = read_key(ui);
        if (ch == ERR) {
            if (ui->move.going) {
                go_chunk(ui);
                full = !ui->move.going;
                dirty = true;
            } else if (ui->play.playing) {
                play(ui);
                dirty = true;
            }
            continue;
        }
        if (ui->move.going && ch != KEY_RESIZE) {
            if (keys_action(ch) == ACT_QUIT)
                return;    /* q quits at once, even in the middle of a long move */
            go_cancel(ui); /* any other key stops the move where it is */
            full = dirty = true;
            continue;
        }
        if (!handle_key(ui, ch))
            return;
        while (ui->pending_key != 0) { /* a key that left the answer prompt */
            int k = ui->pending_key;
            ui->pending_key = 0;
            if (!handle_key(ui, k))
                return;
        }
        full = dirty = true;
    }
}

int ui_main(const char *path, const struct replay_options *opts)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        fprintf(stderr, "pagesim: the visualizer reads a trace file, not standard input "
                        "(use 'pagesim replay -' for a pipe)\n");
        return 2;
    }
    char why[512];
    if (!termcheck_usable(why, sizeof why)) {
        char name[1024];
        trace_escape(name, sizeof name, path, strlen(path));
        fprintf(stderr, "pagesim: %s ('pagesim replay %s' needs none)\n", why, name);
        return 2;
    }
    struct trace_error err;
    memset(&err, 0, sizeof err);
    struct trace *t = trace_load(path, &err);
    if (t == NULL)
        return print_error(path, &err);
    struct timeline *tl = timeline_create(t, opts, NULL, &err);
    if (tl == NULL) {
        int st = print_error(path, &err);
        trace_free(t);
        return st;
    }

    /* Before curses starts: a failure leaves the terminal untouched. */
    struct ui ui;
    if (!ui_state_init(&ui, tl, path)) {
        fprintf(stderr, "pagesim: out of memory (the heap view's list of %u blocks)\n",
                (unsigned)t->nids);
        ui_state_free(&ui);
        timeline_destroy(tl);
        trace_free(t);
        return 1;
    }

    setlocale(LC_ALL, "");
    /* Under a locale that is not UTF-8, every text degrades to ASCII. */
    ui_paint_charset(theme_utf8()); /* the one test of the locale, as the caption mark uses */
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (scr == NULL) {
        const char *term = getenv("TERM");
        char name[256];
        trace_escape(name, sizeof name, term ? term : "", term ? strlen(term) : 0);
        fprintf(stderr, "pagesim: cannot drive this terminal (TERM=%s)\n", name);
        ui_state_free(&ui);
        timeline_destroy(tl);
        trace_free(t);
        return 2;
    }
    curses_on = 1;
    atexit(end_curses);
    static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        catch_signal(fatal[i], on_signal);
    catch_signal(SIGTSTP, on_tstp); /* in place of ncurses's own handler */
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    define_home_end();
    curs_set(0);
    set_escdelay(25);
    mousemask(MOUSE_MASK, NULL);
    theme_init(!theme_no_color_env());

    set_pace(&ui);
    run(&ui);

    catch_signal(SIGTSTP, SIG_DFL); /* nobody reads keys any more to see the flag */
    end_curses();
    delscreen(scr);
    ui_state_free(&ui);
    timeline_destroy(tl);
    trace_free(t);
    return 0;
}
