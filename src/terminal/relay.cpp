#include "terminal/relay.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <utility>

namespace hull::terminal {

namespace {

constexpr size_t k_chunk = 32 * 1024;

} // namespace

// ---- HostConsole ----

Result<HostConsole> HostConsole::find()
{
    // Usually all three are the terminal, but any of them may be redirected.
    for (int fd : {STDERR_FILENO, STDOUT_FILENO, STDIN_FILENO})
        if (::isatty(fd))
            return borrow(fd);
    // All redirected, but there may still be a controlling terminal.
    UniqueFd tty(::open("/dev/tty", O_RDONLY | O_CLOEXEC));
    if (!tty)
        return Error::from_errno("open", "/dev/tty");
    if (!::isatty(tty.get()))
        return Error::from_errno("unable to get console: /dev/tty");
    HostConsole out;
    out.m_fd = tty.get();
    out.m_owned = std::move(tty);
    return out;
}

HostConsole HostConsole::borrow(int fd)
{
    HostConsole out;
    out.m_fd = fd;
    return out;
}

HostConsole::HostConsole(HostConsole&& other) noexcept
    : m_owned(std::move(other.m_owned))
    , m_fd(std::exchange(other.m_fd, -1))
    , m_saved(std::exchange(other.m_saved, std::nullopt))
{
}

HostConsole& HostConsole::operator=(HostConsole&& other) noexcept
{
    if (this != &other) {
        restore();
        m_owned = std::move(other.m_owned);
        m_fd = std::exchange(other.m_fd, -1);
        m_saved = std::exchange(other.m_saved, std::nullopt);
    }
    return *this;
}

Result<void> HostConsole::make_raw()
{
    if (m_fd < 0 || m_saved)
        return ok();
    struct termios saved = {};
    if (::tcgetattr(m_fd, &saved) < 0)
        return Error::from_errno("tcgetattr").context("set the host terminal to raw mode");
    struct termios raw = saved;
    ::cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(m_fd, TCSANOW, &raw) < 0)
        return Error::from_errno("tcsetattr").context("set the host terminal to raw mode");
    m_saved = saved;
    return ok();
}

void HostConsole::restore()
{
    if (m_fd >= 0 && m_saved) {
        // Best effort: the terminal may be gone (hangup); nothing else can be done then.
        int r;
        do
            r = ::tcsetattr(m_fd, TCSANOW, &*m_saved);
        while (r < 0 && errno == EINTR);
    }
    m_saved.reset();
}

// ---- ConsoleRelay ----

Result<ConsoleRelay> ConsoleRelay::start(UniqueFd master, HostConsole host, int in_fd, int out_fd)
{
    if (!master)
        return Error::message("console relay: no pty master");
    struct termios t = {};
    if (::tcgetattr(master.get(), &t) < 0)
        return Error::from_errno("tcgetattr", "pty master").context("console relay");
    t.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
    if (::tcsetattr(master.get(), TCSANOW, &t) < 0)
        return Error::from_errno("tcsetattr", "pty master").context("clear ONLCR");
    int flags = ::fcntl(master.get(), F_GETFL);
    if (flags < 0 || ::fcntl(master.get(), F_SETFL, flags | O_NONBLOCK) < 0)
        return Error::from_errno("fcntl O_NONBLOCK", "pty master").context("console relay");

    ConsoleRelay relay;
    relay.m_master = std::move(master);
    relay.m_master_open = true;
    relay.m_in = in_fd;
    relay.m_in_open = in_fd >= 0;
    relay.m_out = out_fd;
    relay.m_host = std::move(host);
    TRY(relay.m_host.make_raw());
    // As runc's initial resize: a failure (the console went away meanwhile) is not fatal.
    (void)relay.resize();
    return relay;
}

Result<void> ConsoleRelay::resize()
{
    if (!m_host || !m_master)
        return ok();
    struct winsize ws = {};
    if (::ioctl(m_host.fd(), TIOCGWINSZ, &ws) < 0)
        return Error::from_errno("ioctl TIOCGWINSZ", "host console").context("resize");
    if (::ioctl(m_master.get(), TIOCSWINSZ, &ws) < 0)
        return Error::from_errno("ioctl TIOCSWINSZ", "pty master").context("resize");
    return ok();
}

void ConsoleRelay::fill_pollfds(std::vector<struct pollfd>& fds) const
{
    if (!m_master_open)
        return;
    if (m_in_open && m_pending.empty())
        fds.push_back({m_in, POLLIN, 0});
    short events = POLLIN;
    if (!m_pending.empty())
        events |= POLLOUT;
    fds.push_back({m_master.get(), events, 0});
}

Result<bool> ConsoleRelay::on_ready(std::span<const struct pollfd> fds)
{
    for (const auto& p : fds) {
        if (p.revents == 0 || p.fd < 0)
            continue;
        if (p.fd == m_master.get() && m_master_open) {
            if (p.revents & POLLNVAL)
                return Error::message("console relay: the pty master is not open");
            if (p.revents & POLLOUT)
                TRY(flush_input());
            if (p.revents & (POLLIN | POLLHUP | POLLERR))
                TRY(pump_master());
        } else if (p.fd == m_in && m_in_open) {
            if (p.revents & POLLNVAL) {
                m_in_open = false;
                continue;
            }
            if (p.revents & (POLLIN | POLLHUP | POLLERR))
                TRY(pump_stdin());
        }
    }
    return m_master_open;
}

Result<bool> ConsoleRelay::pump_stdin()
{
    if (!m_in_open)
        return false;
    if (!m_pending.empty() || !m_master_open)
        return true; // wait for the master to take what is queued
    char buf[k_chunk];
    ssize_t n = ::read(m_in, buf, sizeof buf);
    if (n > 0) {
        m_pending.append(buf, static_cast<size_t>(n));
        TRY(flush_input());
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n < 0 && errno != EIO) // EIO: the host terminal hung up, as good as EOF
        return Error::from_errno("read", "stdin").context("console relay");
    // EOF: stop reading; the container sees no EOF of its own (runc's io.Copy does the same).
    m_in_open = false;
    return false;
}

Result<void> ConsoleRelay::flush_input()
{
    size_t done = 0;
    while (done < m_pending.size()) {
        ssize_t n = ::write(m_master.get(), m_pending.data() + done, m_pending.size() - done);
        if (n > 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0 && errno == EIO) {
            done = m_pending.size(); // nobody left to read it
            break;
        }
        return Error::from_errno("write", "pty master").context("console relay");
    }
    m_pending.erase(0, done);
    return ok();
}

Result<ConsoleRelay::Copied> ConsoleRelay::copy_master_once()
{
    if (!m_master_open)
        return Copied::Closed;
    char buf[k_chunk];
    ssize_t n;
    do
        n = ::read(m_master.get(), buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        TRY(write_all(m_out, std::string_view(buf, static_cast<size_t>(n)), "stdout")
                .context("console relay"));
        return Copied::Data;
    }
    if (n < 0 && errno == EAGAIN)
        return Copied::WouldBlock;
    // EIO (or 0): the slave side is closed and the kernel has handed over all it wrote (n_tty
    // flushes pending input before it reports EIO).
    if (n < 0 && errno != EIO)
        return Error::from_errno("read", "pty master").context("console relay");
    m_master_open = false;
    m_pending.clear();
    return Copied::Closed;
}

Result<bool> ConsoleRelay::pump_master()
{
    return TRY(copy_master_once()) != Copied::Closed;
}

Result<void> ConsoleRelay::drain()
{
    while (TRY(copy_master_once()) == Copied::Data) { }
    return ok();
}

} // namespace hull::terminal
