// hull-bench-timer: runs a command sequence many times and prints each run's wall time and peak
// RSS, for tests/bench/bench.sh. A loop in C costs a few microseconds a run where a shell loop
// with `date` costs about a millisecond, which would be a quarter of a ~4 ms container start.
//
// usage: hull-bench-timer [-n RUNS] [-w WARMUP] [-P STREAMS] [-m PATH] -i ID -- CMD [ARG...] [\; CMD...]
//   Every "{}" in an argument becomes the run's container ID (ID-<stream>-<run>, warm-ups
//   ID-w-<run>), so each run has a fresh container. A run is the whole sequence of commands
//   (e.g. create ; start ; delete); a command that fails ends the run as a failure.
//   Sequential (no -P): WARMUP runs not counted, then one line per run: "<usec> <peak_rss_kb>"
//   (the largest peak of the run's commands, each with the children it waited for, as wait4
//   reports it). The first failure stops the loop: exit 1 with the command and its stderr.
//   -P STREAMS: that many processes run RUNS runs each at once, without warm-up; one line:
//   "<elapsed_usec> <runs> <failures>"; each failure is reported on stderr; exit 1 if any.
//   -m PATH: a command named PATH runs from a sealed memfd copy of it made once (through
//   /proc/self/fd/N). hull started from a sealed copy skips its own CVE-2019-5736 re-exec, so
//   the difference to a plain run is what that protection costs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

enum { MAX_CMDS = 8, MAX_ARGS = 64, ID_LEN = 128 };

// One command of the sequence: its argument template and the buffer it is expanded into.
struct cmd {
    int argc;
    char* tmpl[MAX_ARGS + 1];
    char* argv[MAX_ARGS + 1];
};

static struct cmd cmds[MAX_CMDS];
static int ncmds;
static int errfd = -1; // a memfd holding the current command's stderr, shown when it fails
static const char* sealed_from; // -m: the command that runs from sealed_path instead
static char sealed_path[64];

// seal_copy makes a memfd copy of path with the seals hull looks for (write, grow, shrink,
// seal), left open across exec, and names it in sealed_path. Returns 0 or -1.
static int seal_copy(const char* path)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int fd = memfd_create("hull-sealed", MFD_ALLOW_SEALING);
    if (in < 0 || fd < 0)
        return -1;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n)
            return -1;
    close(in);
    if (n < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return -1;
    snprintf(sealed_path, sizeof sealed_path, "/proc/self/fd/%d", fd);
    sealed_from = path;
    return 0;
}

static long long now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

// expand returns the template with every "{}" replaced by id (malloc'd).
static char* expand(const char* tmpl, const char* id)
{
    size_t n = strlen(tmpl) + 1, idn = strlen(id);
    for (const char* p = strstr(tmpl, "{}"); p; p = strstr(p + 2, "{}"))
        n += idn;
    char *out = malloc(n), *o = out;
    if (!out)
        abort();
    for (const char* p = tmpl; *p;) {
        if (p[0] == '{' && p[1] == '}') {
            memcpy(o, id, idn);
            o += idn;
            p += 2;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

// report_failure prints the failed command, how it ended and what it wrote on stderr.
static void report_failure(const struct cmd* c, int status)
{
    fprintf(stderr, "hull-bench-timer: failed:");
    for (int i = 0; i < c->argc; i++)
        fprintf(stderr, " %s", c->argv[i]);
    if (WIFEXITED(status))
        fprintf(stderr, " (exit %d)\n", WEXITSTATUS(status));
    else
        fprintf(stderr, " (signal %d)\n", WTERMSIG(status));
    char buf[4096];
    ssize_t n = pread(errfd, buf, sizeof buf - 1, 0);
    if (n > 0) {
        buf[n] = '\0';
        fprintf(stderr, "  stderr: %s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
    }
}

// run_once runs the whole sequence for one ID; returns 0, or -1 after reporting the failure.
// *rss_kb gets the largest peak RSS of the sequence's commands.
static int run_once(const char* id, long* rss_kb)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    *rss_kb = 0;
    int rc = 0;
    for (int c = 0; c < ncmds && rc == 0; c++) {
        struct cmd* cm = &cmds[c];
        for (int i = 0; i < cm->argc; i++)
            cm->argv[i] = strstr(cm->tmpl[i], "{}") ? expand(cm->tmpl[i], id) : cm->tmpl[i];
        if (sealed_from && strcmp(cm->argv[0], sealed_from) == 0)
            cm->argv[0] = sealed_path;
        // The children share errfd's offset: rewind it with the truncation.
        if (ftruncate(errfd, 0) != 0 || lseek(errfd, 0, SEEK_SET) != 0)
            abort();
        pid_t pid;
        int err = posix_spawnp(&pid, cm->argv[0], &fa, NULL, cm->argv, environ);
        if (err != 0) {
            fprintf(stderr, "hull-bench-timer: cannot start %s: %s\n", cm->argv[0], strerror(err));
            rc = -1;
            continue;
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) { }
        if (ru.ru_maxrss > *rss_kb)
            *rss_kb = ru.ru_maxrss;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            report_failure(cm, status);
            rc = -1;
        }
        for (int i = 0; i < cm->argc; i++)
            if (cm->argv[i] != cm->tmpl[i] && cm->argv[i] != sealed_path)
                free(cm->argv[i]);
    }
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

// parse_cmds splits argv at ";" into the command sequence.
static int parse_cmds(int argc, char** argv)
{
    ncmds = 0;
    int start = 0;
    for (int i = 0; i <= argc; i++) {
        if (i < argc && strcmp(argv[i], ";") != 0)
            continue;
        if (i == start || ncmds == MAX_CMDS || i - start > MAX_ARGS)
            return -1;
        struct cmd* c = &cmds[ncmds++];
        c->argc = i - start;
        for (int k = 0; k < c->argc; k++)
            c->tmpl[k] = argv[start + k];
        c->tmpl[c->argc] = c->argv[c->argc] = NULL;
        start = i + 1;
    }
    return ncmds > 0 ? 0 : -1;
}

// stream runs `runs` runs named ID-<tag>-<i>; prints a line per run when print is set.
// Returns the number of failed runs; stops at the first one when stop_on_failure is set.
static int stream(const char* prefix, const char* tag, int runs, int print, int stop_on_failure)
{
    int failures = 0;
    char id[ID_LEN];
    for (int i = 0; i < runs; i++) {
        snprintf(id, sizeof id, "%s-%s-%d", prefix, tag, i);
        long rss;
        long long t0 = now_usec();
        int rc = run_once(id, &rss);
        long long t1 = now_usec();
        if (rc != 0) {
            failures++;
            if (stop_on_failure)
                break;
            continue;
        }
        if (print)
            printf("%lld %ld\n", t1 - t0, rss);
    }
    return failures;
}

// parallel runs `streams` processes of `runs` runs each and prints the elapsed time.
static int parallel(const char* prefix, int streams, int runs)
{
    long long t0 = now_usec();
    for (int s = 0; s < streams; s++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("hull-bench-timer: fork");
            return 1;
        }
        if (pid == 0) {
            // Each stream needs its own stderr buffer: the streams truncate it run by run.
            close(errfd);
            errfd = memfd_create("stderr", 0);
            if (errfd < 0)
                _exit(100);
            char tag[16];
            snprintf(tag, sizeof tag, "%d", s);
            int f = stream(prefix, tag, runs, 0, 0);
            _exit(f > 100 ? 100 : f);
        }
    }
    int failures = 0, status;
    for (int s = 0; s < streams; s++) {
        if (wait(&status) < 0)
            break;
        failures += WIFEXITED(status) ? WEXITSTATUS(status) : runs;
    }
    printf("%lld %d %d\n", now_usec() - t0, streams * runs, failures);
    return failures ? 1 : 0;
}

int main(int argc, char** argv)
{
    int runs = 10, warmup = 0, streams = 0, opt;
    const char* prefix = NULL;
    while ((opt = getopt(argc, argv, "+n:w:P:i:m:")) != -1) {
        switch (opt) {
        case 'm':
            if (seal_copy(optarg) != 0) {
                perror("hull-bench-timer: sealed copy");
                return 1;
            }
            break;
        case 'n':
            runs = atoi(optarg);
            break;
        case 'w':
            warmup = atoi(optarg);
            break;
        case 'P':
            streams = atoi(optarg);
            break;
        case 'i':
            prefix = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (!prefix || runs < 1 || warmup < 0 || streams < 0 || parse_cmds(argc - optind, argv + optind))
        goto usage;
    errfd = memfd_create("stderr", 0);
    if (errfd < 0) {
        perror("hull-bench-timer: memfd_create");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (streams > 0)
        return parallel(prefix, streams, runs);
    if (stream(prefix, "w", warmup, 0, 1) || stream(prefix, "r", runs, 1, 1))
        return 1;
    return 0;
usage:
    fprintf(stderr,
        "usage: hull-bench-timer [-n RUNS] [-w WARMUP] [-P STREAMS] [-m PATH] -i ID -- CMD [ARG...] [\\; "
        "CMD...]\n");
    return 2;
}
