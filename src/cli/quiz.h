/*
 * quiz.h - `pagesim quiz`: translation exercises on a real x86 machine state
 * (OSTEP's paging simulators with -c, on the SDM Vol. 3A chapter 4 formats).
 * The questions and answers come from replay/quiz.h; this command parses the
 * options and prints (text or JSON).
 */
#ifndef PAGESIM_CLI_QUIZ_H
#define PAGESIM_CLI_QUIZ_H

/* `pagesim quiz [--seed N] [--paging MODE] [--ram SIZE] [--count K]
 * [--answers] [--json]`: argv[0] is "quiz". Prints the machine state (mode,
 * CR0, CR3, CR4, EFER, the present entries of every table on the questions'
 * walk paths) and K questions, with --answers each answer and its walk
 * explained step by step. The same options give byte-identical output.
 * Returns the exit status: 0 done (also after --help), 1 the host ran out of
 * memory or stdout failed, 2 bad command line (a usage line on stderr). */
int cli_quiz_main(int argc, char **argv);

#endif
