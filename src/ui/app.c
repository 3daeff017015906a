/* placeholder until the visualizer lands: being written */
#include "app.h"

#include <stdio.h>

int ui_main(const char *path, const struct replay_options *opts)
{
    (void)opts;
    fprintf(stderr, "pagesim: %s: the visualizer is not built yet\n", path);
    return 2;
}
