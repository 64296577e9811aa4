/* main.c: looks the subcommand up in the table and maps results to exit codes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef FEDPLAN_VERSION
#define FEDPLAN_VERSION "0.1.0"
#endif

static const cli_command *const commands[] = {
    &cmd_estimate,
    &cmd_plan,
    &cmd_compare,
    &cmd_sweep,
    &cmd_fit,
    &cmd_catalog,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: fedplan <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n'fedplan <command> --help' shows a command's options; docs/ has the manual.\n");
}

/* fp_signal (cli/common.c): the first SIGINT/SIGTERM asks long solves and sweeps to stop and
 * print what they have; the second exits at once. */

static void on_signal(int sig)
{
    if (fp_signal)
        _exit(128 + sig);
    fp_signal = sig;
}

/* What a command printed must all have reached standard output, complete: a write error (a
 * full disk, a closed pipe), or JSON built while memory ran out, is an error, never exit 0. */
static int finish(int rc)
{
    if (fp_signal && rc == EXIT_BADINPUT) /* failed because a stop was asked (cli_report said so) */
        rc = 128 + (int)fp_signal;
    if (cli_json_failed()) {
        fprintf(stderr, "fedplan: error: out of memory while building the output\n");
        return EXIT_BADINPUT;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "fedplan: error: cannot write standard output: %s\n", strerror(errno));
        return EXIT_BADINPUT;
    }
    return rc;
}

int main(int argc, char **argv)
{
    cli_json_watch();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a blocked open or read (a FIFO with no writer, a stalled standard input)
     * returns EINTR, so that the first signal ends it, with exit 128 + the signal */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (argc < 2) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return finish(EXIT_OK);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("fedplan %s\n", FEDPLAN_VERSION);
        return finish(EXIT_OK);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i]->name)) {
            for (int k = 2; k < argc; k++)
                if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
                    commands[i]->help(stdout);
                    return finish(EXIT_OK);
                }
            return finish(commands[i]->run(argc - 1, argv + 1));
        }
    fprintf(stderr, "fedplan: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_BADINPUT;
}
