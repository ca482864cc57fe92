/* hull-recvtty: the receiving end of --console-socket for the integration tests, as strict as
 * go-runc's recvFd and conmon (cli-contract.md §6.1): exactly one message with a non-empty name
 * under 4096 bytes, a control buffer of exactly CMSG_SPACE(sizeof(int)) holding exactly one
 * SCM_RIGHTS cmsg of CMSG_LEN(sizeof(int)) with one fd, which must be a terminal.
 *
 *   hull-recvtty SOCKET OUT [--input TEXT]
 *   hull-recvtty SOCKET OUT --pidfd
 *   hull-recvtty SOCKET OUT --close
 *
 * Listens on SOCKET, accepts one connection, writes the received name to OUT.name and the
 * master's window size ("ROWS COLS") to OUT.winsize, writes TEXT to the master if given, then
 * copies everything the container prints into OUT until the last slave fd closes (EIO).
 * With --pidfd (for --pidfd-socket) the fd must be a pidfd instead: the name goes to OUT.name
 * and the pid it refers to (its fdinfo "Pid:") to OUT.
 * With --close it is a receiver that goes away early: it accepts the connection, closes it
 * without reading anything, writes "closed" to OUT and exits.
 * Exits 0, or 1 with the reason on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int fail(const char* what)
{
    fprintf(stderr, "hull-recvtty: %s: %s\n", what, strerror(errno));
    return 1;
}

static int write_text(const char* path, const char* text)
{
    FILE* f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int main(int argc, char** argv)
{
    int pidfd_mode = argc == 4 && strcmp(argv[3], "--pidfd") == 0;
    int close_mode = argc == 4 && strcmp(argv[3], "--close") == 0;
    if (argc != 3 && !pidfd_mode && !close_mode && !(argc == 5 && strcmp(argv[3], "--input") == 0)) {
        fprintf(stderr, "usage: hull-recvtty SOCKET OUT [--input TEXT | --pidfd | --close]\n");
        return 2;
    }
    const char* out = argv[2];
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "hull-recvtty: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    unlink(argv[1]);
    int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lsock < 0 || bind(lsock, (struct sockaddr*)&addr, sizeof addr) < 0 || listen(lsock, 1) < 0)
        return fail("listen");
    int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return fail("accept");
    if (close_mode) {
        close(conn);
        return write_text(out, "closed") < 0 ? fail(out) : 0;
    }

    char name[4096];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {name, sizeof name};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return fail("recvmsg");
    if (n == 0 || n >= (ssize_t)sizeof name) {
        fprintf(stderr, "hull-recvtty: bad name length %zd\n", n);
        return 1;
    }
    name[n] = '\0';
    if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
        fprintf(stderr, "hull-recvtty: truncated message\n");
        return 1;
    }
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (msg.msg_controllen != CMSG_SPACE(sizeof(int)) || !c || c->cmsg_level != SOL_SOCKET
        || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&msg, c)) {
        fprintf(
            stderr, "hull-recvtty: malformed control message (controllen %zu)\n", (size_t)msg.msg_controllen);
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(c), sizeof master);
    if (pidfd_mode) {
        char path[4096], line[256];
        snprintf(path, sizeof path, "%s.name", out);
        if (write_text(path, name) < 0)
            return fail(path);
        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", master);
        FILE* info = fopen(path, "r");
        if (!info)
            return fail(path);
        while (fgets(line, sizeof line, info)) {
            if (strncmp(line, "Pid:", 4) == 0) {
                fclose(info);
                return write_text(out, line + 4) < 0 ? fail(out) : 0;
            }
        }
        fprintf(stderr, "hull-recvtty: the received fd is not a pidfd\n");
        return 1;
    }
    if (!isatty(master)) {
        fprintf(stderr, "hull-recvtty: the received fd is not a terminal\n");
        return 1;
    }
    close(conn);
    close(lsock);

    char path[4096];
    snprintf(path, sizeof path, "%s.name", out);
    if (write_text(path, name) < 0)
        return fail(path);
    struct winsize ws;
    if (ioctl(master, TIOCGWINSZ, &ws) < 0)
        return fail("TIOCGWINSZ");
    char size[64];
    snprintf(size, sizeof size, "%u %u\n", ws.ws_row, ws.ws_col);
    snprintf(path, sizeof path, "%s.winsize", out);
    if (write_text(path, size) < 0)
        return fail(path);
    if (argc == 5 && write(master, argv[4], strlen(argv[4])) < 0)
        return fail("write to the master");

    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(out);
    char buf[4096];
    for (;;) {
        n = read(master, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EIO: every slave fd is closed */
        if (write(fd, buf, (size_t)n) != n)
            return fail(out);
    }
    close(fd);
    return 0;
}
