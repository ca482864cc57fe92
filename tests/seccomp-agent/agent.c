/*
 * hull-seccomp-agent: the receiving end of linux.seccomp.listenerPath for the integration
 * tests (runtime-spec config-linux.md "Seccomp", like runc's tests/cmd/seccompagent).
 *
 * usage: hull-seccomp-agent [--silent] SOCKET STATE_FILE [TIMEOUT_SECONDS]
 *
 * Listens on the AF_UNIX stream socket SOCKET (it appears only once it accepts connections),
 * takes one connection, reads the container process state JSON to EOF together with the
 * seccomp listener fd sent as SCM_RIGHTS, and writes the JSON to STATE_FILE (atomically).
 * Then it answers a mkdir or mkdirat with success, error 0 and value 0, without doing the call
 * (a mkdir blocked by SCMP_ACT_NOTIFY "succeeds" but no directory appears), and lets the kernel
 * make every other call (SECCOMP_USER_NOTIF_FLAG_CONTINUE), as runc's test agent does. Each one
 * is logged to stderr as "notify pid=N nr=N". It exits 0 when the listener reports POLLHUP
 * (every process under the filter is gone), 2 after TIMEOUT_SECONDS (default 60), 1 on errors.
 * With --silent it takes the listener and the state but never answers: a caught call blocks
 * until the caller dies (a stuck container init, for the runtime's interrupt tests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_STATE (1 << 20)

static long long deadline_ms;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(void)
{
    long long left = deadline_ms - now_ms();
    return left < 0 ? 0 : (int)left;
}

static int fail(const char* what)
{
    fprintf(stderr, "hull-seccomp-agent: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Waits for `events` on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_for(int fd, short events, short* revents)
{
    for (;;) {
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, remaining_ms());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        *revents = p.revents;
        return n;
    }
}

/* Binds to SOCKET.tmp, listens, then renames: connecting to SOCKET never meets a socket that
 * does not listen yet. */
static int listen_at(const char* path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char tmp[sizeof addr.sun_path];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr.sun_path, tmp, strlen(tmp) + 1);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -1;
    unlink(tmp);
    unlink(path);
    if (bind(sock, (struct sockaddr*)&addr, sizeof addr) < 0 || listen(sock, 4) < 0
        || rename(tmp, path) < 0) {
        close(sock);
        return -1;
    }
    return sock;
}

/* Reads the whole state from one connection; the first SCM_RIGHTS fd becomes *listener. */
static int receive_state(int conn, char* state, size_t cap, size_t* len, int* listener)
{
    *len = 0;
    *listener = -1;
    for (;;) {
        char control[CMSG_SPACE(4 * sizeof(int))];
        struct iovec iov = {state + *len, cap - *len};
        struct msghdr msg = {0};
        short revents;
        if (*len == cap) {
            errno = EMSGSIZE;
            return -1;
        }
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (wait_for(conn, POLLIN, &revents) != 1) {
            errno = ETIMEDOUT;
            return -1;
        }
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                if (*listener < 0)
                    *listener = fd;
                else
                    close(fd);
            }
        }
        if (n == 0)
            return 0;
        *len += (size_t)n;
    }
}

static int write_file(const char* path, const char* data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (close(fd) < 0)
        return -1;
    return rename(tmp, path);
}

static int is_mkdir(int nr)
{
#ifdef SYS_mkdir
    if (nr == SYS_mkdir)
        return 1;
#endif
    return nr == SYS_mkdirat;
}

/* Answers notifications until POLLHUP (0) or the deadline (2). */
static int serve(int listener)
{
    for (;;) {
        short revents = 0;
        int n = wait_for(listener, POLLIN, &revents);
        if (n < 0)
            return fail("poll listener");
        if (n == 0) {
            fprintf(stderr, "hull-seccomp-agent: timeout\n");
            return 2;
        }
        if (revents & POLLIN) {
            struct seccomp_notif req;
            memset(&req, 0, sizeof req);
            if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                if (errno == EINTR || errno == ENOENT)
                    continue; /* the caller went away before we read it */
                return fail("SECCOMP_IOCTL_NOTIF_RECV");
            }
            fprintf(stderr, "notify pid=%u nr=%d\n", req.pid, req.data.nr);
            struct seccomp_notif_resp resp;
            memset(&resp, 0, sizeof resp);
            resp.id = req.id;
            resp.error = 0;
            resp.val = 0;
            if (!is_mkdir(req.data.nr))
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
                return fail("SECCOMP_IOCTL_NOTIF_SEND");
            continue;
        }
        if (revents & (POLLHUP | POLLERR))
            return 0;
    }
}

/* --silent: holds the listener unanswered until the deadline (2). */
static int hold(void)
{
    while (remaining_ms() > 0)
        poll(NULL, 0, remaining_ms());
    return 2;
}

int main(int argc, char** argv)
{
    int silent = argc > 1 && strcmp(argv[1], "--silent") == 0;
    if (silent) {
        --argc;
        ++argv;
    }
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: hull-seccomp-agent [--silent] SOCKET STATE_FILE [TIMEOUT_SECONDS]\n");
        return 1;
    }
    int timeout = argc == 4 ? atoi(argv[3]) : 60;
    if (timeout <= 0)
        timeout = 60;
    deadline_ms = now_ms() + (long long)timeout * 1000;

    int sock = listen_at(argv[1]);
    if (sock < 0)
        return fail(argv[1]);
    short revents;
    int ready = wait_for(sock, POLLIN, &revents);
    if (ready <= 0) {
        unlink(argv[1]);
        if (ready == 0) {
            fprintf(stderr, "hull-seccomp-agent: timeout waiting for the runtime\n");
            return 2;
        }
        return fail("poll socket");
    }
    int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
    close(sock);
    unlink(argv[1]);
    if (conn < 0)
        return fail("accept");

    char* state = malloc(MAX_STATE);
    size_t len = 0;
    int listener = -1;
    if (!state)
        return fail("malloc");
    if (receive_state(conn, state, MAX_STATE, &len, &listener) < 0)
        return fail("receive state");
    close(conn);
    if (listener < 0) {
        fprintf(stderr, "hull-seccomp-agent: no fd came with the state\n");
        return 1;
    }
    if (write_file(argv[2], state, len) < 0)
        return fail(argv[2]);
    free(state);
    return silent ? hold() : serve(listener);
}
