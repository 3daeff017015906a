/*
 * realloc-demo.c - a small program whose real mtrace log
 * (realloc-demo.mtrace) shows every line kind glibc writes: malloc, calloc,
 * realloc growing in place and moving, realloc(NULL, n), realloc(p, 0), a
 * failed malloc and a failed realloc ((nil) and '!'), free(NULL), and
 * memalign. No double free: a real one aborts glibc.
 * Build: gcc -O0 -g -o /tmp/realloc-demo realloc-demo.c
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *a = malloc(100);
    memset(a, 1, 100);
    char *b = calloc(10, 20);
    a = realloc(a, 200); /* may grow in place or move */
    char *c = malloc(32);
    a = realloc(a, 5000);               /* moves */
    char *d = realloc(NULL, 64);        /* logged as '+' */
    void *huge = malloc(SIZE_MAX / 2);  /* fails: '+ (nil) SIZE' */
    char *e = realloc(c, SIZE_MAX / 2); /* fails: '! ADDR SIZE', c stays */
    if (!e)
        free(c);
    free(NULL); /* '- (nil)' */
    void *m = memalign(64, 256);
    d = realloc(d, 0); /* frees: logged as '-' */
    free(m);
    free(huge);
    free(b);
    free(a);
    return d != NULL;
}
