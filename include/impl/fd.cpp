#include "hull/fd.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace hull {

Result<void> UniqueFd::close()
{
    int fd = release();
    if (fd >= 0 && ::close(fd) < 0)
        return Error::from_errno("close");
    return ok();
}

Result<std::string> read_all(int fd, std::string_view what)
{
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("read", what);
        }
        if (n == 0)
            return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

Result<std::string> read_file(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    return read_all(fd.get(), path);
}

Result<std::string> read_file_at(int dirfd, const std::string& name)
{
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return Error::from_errno("open", name);
    return read_all(fd.get(), name);
}

std::string fd_path(int fd)
{
    return "/proc/self/fd/" + std::to_string(fd);
}

Result<void> write_all(int fd, std::string_view data, std::string_view what)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (::poll(&p, 1, -1) < 0 && errno != EINTR)
                return Error::from_errno("poll", what);
            continue;
        }
        return Error::from_errno("write", what);
    }
    return ok();
}

Result<FdPair> FdPair::socketpair(int type)
{
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0)
        return Error::from_errno("socketpair");
    FdPair p;
    p.m_parent.reset(fds[0]);
    p.m_child.reset(fds[1]);
    return p;
}

Result<FdPair> FdPair::pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        return Error::from_errno("pipe2");
    FdPair p;
    p.m_parent.reset(fds[0]);
    p.m_child.reset(fds[1]);
    return p;
}

Result<int> ChildProcess::wait()
{
    int status = 0;
    pid_t pid = m_pid;
    while (::waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR)
            return Error::from_errno("waitpid", std::to_string(pid));
    }
    m_pid = -1;
    return status;
}

void ChildProcess::kill_and_reap()
{
    pid_t pid = std::exchange(m_pid, -1);
    if (pid <= 0)
        return;
    ::kill(pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, __WALL) < 0 && errno == EINTR) { }
}

} // namespace hull
