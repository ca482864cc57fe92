// The foreground relay: pipes stand in for the runtime's stdin/stdout, a pty pair for the
// container's, and the slave of a second pty for the user's terminal.
#include "terminal/relay.hpp"

#include "helpers.hpp"

#include <atomic>
#include <cstring>
#include <sys/ioctl.h>
#include <termios.h>
#include <thread>

using namespace hull;
using namespace terminal_test;
using terminal::ConsoleRelay;
using terminal::HostConsole;

namespace {

struct Pipe {
    UniqueFd read, write;
    Pipe()
    {
        int p[2];
        REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        read.reset(p[0]);
        write.reset(p[1]);
    }
};

// The container's side with no echo and no line buffering, as a shell in raw mode; output
// processing (OPOST, ONLCR) is left to what the relay set.
void container_raw_input(int slave)
{
    struct termios t = {};
    REQUIRE(::tcgetattr(slave, &t) == 0);
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG | IEXTEN);
    t.c_iflag &= ~static_cast<tcflag_t>(ICRNL | IXON | ISTRIP | INLCR | IGNCR);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    REQUIRE(::tcsetattr(slave, TCSANOW, &t) == 0);
}

ConsoleRelay start(terminal::Pty& pty, HostConsole host, int in, int out)
{
    int fd = ::fcntl(pty.master.get(), F_DUPFD_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    auto relay = ConsoleRelay::start(UniqueFd(fd), std::move(host), in, out);
    REQUIRE_MESSAGE(relay.ok(), relay.error().text());
    return std::move(relay).value();
}

// Pumps the master until `out` has `want` bytes (the tty layer hands data over asynchronously).
std::string pump_until(ConsoleRelay& relay, int out, size_t want)
{
    std::string got;
    for (int i = 0; i < 200 && got.size() < want; ++i) {
        struct pollfd p = {relay.master_fd(), POLLIN, 0};
        ::poll(&p, 1, 25);
        auto r = relay.pump_master();
        REQUIRE_MESSAGE(r.ok(), r.error().text());
        struct pollfd o = {out, POLLIN, 0};
        if (::poll(&o, 1, 0) > 0)
            got += read_for(out, want - got.size(), 100);
    }
    return got;
}

bool same_mode(const struct termios& a, const struct termios& b)
{
    return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag
        && a.c_lflag == b.c_lflag && std::memcmp(a.c_cc, b.c_cc, sizeof a.c_cc) == 0;
}

} // namespace

TEST_CASE("the relay copies stdin to the container and its output to stdout, with ONLCR off")
{
    auto pty = host_pty();
    container_raw_input(pty.slave.get());
    Pipe in, out;
    auto relay = start(pty, HostConsole {}, in.read.get(), out.write.get());

    struct termios t = {};
    REQUIRE(::tcgetattr(pty.slave.get(), &t) == 0);
    CHECK((t.c_oflag & ONLCR) == 0);

    REQUIRE(write_str(in.write.get(), "typed input\n"));
    auto more = relay.pump_stdin();
    REQUIRE_MESSAGE(more.ok(), more.error().text());
    CHECK(more.value());
    CHECK(read_for(pty.slave.get(), 12) == "typed input\n");

    // "\n" stays "\n": with ONLCR on it would arrive as "\r\n".
    REQUIRE(write_str(pty.slave.get(), "line one\nline two\n"));
    CHECK(pump_until(relay, out.read.get(), 18) == "line one\nline two\n");
}

TEST_CASE("on stdin EOF the relay stops reading stdin but keeps copying output")
{
    auto pty = host_pty();
    Pipe in, out;
    auto relay = start(pty, HostConsole {}, in.read.get(), out.write.get());
    std::vector<struct pollfd> fds;
    relay.fill_pollfds(fds);
    REQUIRE(fds.size() == 2);
    CHECK(fds[0].fd == in.read.get());
    CHECK(fds[1].fd == relay.master_fd());

    in.write.reset();
    auto more = relay.pump_stdin();
    REQUIRE(more.ok());
    CHECK_FALSE(more.value());
    CHECK(relay.stdin_fd() == -1);
    fds.clear();
    relay.fill_pollfds(fds);
    REQUIRE(fds.size() == 1);
    CHECK(fds[0].fd == relay.master_fd());
    CHECK(relay.master_open());

    REQUIRE(write_str(pty.slave.get(), "still here"));
    CHECK(pump_until(relay, out.read.get(), 10) == "still here");
}

TEST_CASE("drain copies what is left once the container side closed, then the master reads as closed")
{
    auto pty = host_pty();
    Pipe in, out;
    auto relay = start(pty, HostConsole {}, in.read.get(), out.write.get());
    REQUIRE(write_str(pty.slave.get(), "last words\n"));
    pty.slave.reset(); // the container exited
    pty.master.reset(); // only the relay's master is left
    auto d = relay.drain();
    REQUIRE_MESSAGE(d.ok(), d.error().text());
    CHECK(read_for(out.read.get(), 11, 1000) == "last words\n");
    CHECK_FALSE(relay.master_open());
    auto more = relay.pump_master();
    REQUIRE(more.ok());
    CHECK_FALSE(more.value());
    std::vector<struct pollfd> fds;
    relay.fill_pollfds(fds);
    CHECK(fds.empty());
}

TEST_CASE("driven by poll, the relay moves large amounts both ways without blocking")
{
    auto pty = host_pty();
    container_raw_input(pty.slave.get());
    Pipe in, out;
    auto relay = start(pty, HostConsole {}, in.read.get(), out.write.get());

    const size_t size = 512 * 1024;
    std::string input(size, '\0'), output(size, '\0');
    for (size_t i = 0; i < size; ++i) {
        input[i] = static_cast<char>('a' + i % 26);
        output[i] = static_cast<char>('A' + i % 23);
    }
    std::string container_got, stdout_got;
    std::atomic<bool> all_out {false};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    // Writes that give up at the deadline, so a broken relay fails the test instead of hanging it.
    auto write_until = [&](int fd, const std::string& data, size_t chunk) {
        for (size_t off = 0; off < data.size() && std::chrono::steady_clock::now() < deadline;) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            ssize_t n = ::write(fd, data.data() + off, std::min(chunk, data.size() - off));
            if (n > 0)
                off += static_cast<size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
    };
    int slave = pty.slave.get();
    REQUIRE(::fcntl(slave, F_SETFL, O_NONBLOCK) == 0);
    REQUIRE(::fcntl(in.write.get(), F_SETFL, O_NONBLOCK) == 0);
    // The user types (more than the tty's buffers hold), then closes stdin.
    std::thread typist([&] {
        write_until(in.write.get(), input, 4096);
        in.write.reset();
    });
    // The container reads all of it, then writes its own output.
    std::thread container([&] {
        container_got = read_for(slave, size, 20000);
        write_until(slave, output, 8192);
    });
    std::thread reader([&] {
        stdout_got = read_for(out.read.get(), size, 20000);
        all_out = true;
    });

    bool ok = true;
    while (!all_out && std::chrono::steady_clock::now() < deadline) {
        std::vector<struct pollfd> fds;
        relay.fill_pollfds(fds);
        if (::poll(fds.data(), fds.size(), 50) < 0 && errno != EINTR)
            break;
        auto r = relay.on_ready(fds);
        if (!r.ok()) {
            FAIL_CHECK(r.error().text());
            ok = false;
            break;
        }
    }
    typist.join();
    container.join();
    reader.join();
    CHECK(ok);
    CHECK(relay.stdin_fd() == -1);
    CHECK(container_got.size() == size);
    CHECK(container_got == input);
    CHECK(stdout_got.size() == size);
    CHECK(stdout_got == output);
}

TEST_CASE("the host console is raw while the relay lives and restored when it is destroyed")
{
    auto host = host_pty();
    auto pty = host_pty();
    Pipe in, out;
    struct termios before = {};
    REQUIRE(::tcgetattr(host.slave.get(), &before) == 0);
    REQUIRE((before.c_lflag & ICANON) != 0);
    REQUIRE((before.c_lflag & ECHO) != 0);
    {
        auto relay = start(pty, HostConsole::borrow(host.slave.get()), in.read.get(), out.write.get());
        CHECK(relay.host().is_raw());
        struct termios raw = {};
        REQUIRE(::tcgetattr(host.slave.get(), &raw) == 0);
        CHECK((raw.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) == 0);
        CHECK((raw.c_oflag & OPOST) == 0);
        CHECK((raw.c_iflag & (ICRNL | IXON)) == 0);
        CHECK((raw.c_cflag & CSIZE) == CS8);
        CHECK(raw.c_cc[VMIN] == 1);

        // Moving the relay does not restore early: only the last owner does.
        ConsoleRelay moved = std::move(relay);
        REQUIRE(::tcgetattr(host.slave.get(), &raw) == 0);
        CHECK((raw.c_lflag & ICANON) == 0);
    }
    struct termios after = {};
    REQUIRE(::tcgetattr(host.slave.get(), &after) == 0);
    CHECK(same_mode(before, after));

    // restore() can also be called early, and the destructor then leaves the terminal alone.
    {
        auto relay = start(pty, HostConsole::borrow(host.slave.get()), in.read.get(), out.write.get());
        relay.restore();
        REQUIRE(::tcgetattr(host.slave.get(), &after) == 0);
        CHECK(same_mode(before, after));
        after.c_lflag &= ~static_cast<tcflag_t>(ECHO); // the user changes it afterwards
        REQUIRE(::tcsetattr(host.slave.get(), TCSANOW, &after) == 0);
    }
    struct termios last = {};
    REQUIRE(::tcgetattr(host.slave.get(), &last) == 0);
    CHECK((last.c_lflag & ECHO) == 0);
}

TEST_CASE("the host console's size reaches the container at start and on resize()")
{
    auto host = host_pty();
    auto pty = host_pty();
    Pipe in, out;
    struct winsize ws = {};
    ws.ws_row = 30;
    ws.ws_col = 100;
    REQUIRE(::ioctl(host.master.get(), TIOCSWINSZ, &ws) == 0);
    auto relay = start(pty, HostConsole::borrow(host.slave.get()), in.read.get(), out.write.get());
    struct winsize got = {};
    REQUIRE(::ioctl(pty.slave.get(), TIOCGWINSZ, &got) == 0);
    CHECK(got.ws_row == 30);
    CHECK(got.ws_col == 100);

    ws.ws_row = 41;
    ws.ws_col = 132;
    REQUIRE(::ioctl(host.master.get(), TIOCSWINSZ, &ws) == 0);
    REQUIRE(relay.resize().ok());
    REQUIRE(::ioctl(pty.slave.get(), TIOCGWINSZ, &got) == 0);
    CHECK(got.ws_row == 41);
    CHECK(got.ws_col == 132);

    // No host console: resizing changes nothing and does not fail.
    auto other = host_pty(oci::ConsoleSize {5, 6});
    auto plain = start(other, HostConsole {}, in.read.get(), out.write.get());
    CHECK(plain.resize().ok());
    REQUIRE(::ioctl(other.slave.get(), TIOCGWINSZ, &got) == 0);
    CHECK(got.ws_row == 5);
    CHECK(got.ws_col == 6);
}

TEST_CASE("HostConsole::find takes stderr, stdout or stdin, then /dev/tty, in runc's words")
{
    // No terminal anywhere and no controlling terminal.
    std::string none = in_child([]() -> std::string {
        if (::setsid() < 0)
            return "setsid";
        int null = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 2; ++fd)
            ::dup2(null, fd);
        auto r = HostConsole::find();
        if (r)
            return "found a console with none around";
        if (r.error().text() != "open /dev/tty: no such device or address")
            return "unexpected: " + r.error().text();
        return "";
    });
    CHECK(none == "");

    // stderr is the terminal (stdin and stdout redirected).
    auto pty = host_pty();
    std::string err = in_child([&]() -> std::string {
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(pty.slave.get(), 2);
        auto r = HostConsole::find();
        if (!r)
            return r.error().text();
        if (r.value().fd() != 2)
            return "picked fd " + std::to_string(r.value().fd());
        return "";
    });
    CHECK(err == "");

    // All three redirected, but a controlling terminal exists: /dev/tty.
    std::string ctty = in_child([&]() -> std::string {
        if (::setsid() < 0 || ::ioctl(pty.slave.get(), TIOCSCTTY, 0) < 0)
            return "make a controlling terminal: " + std::string(std::strerror(errno));
        int null = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 2; ++fd)
            ::dup2(null, fd);
        auto r = HostConsole::find();
        if (!r)
            return r.error().text();
        if (r.value().fd() <= 2 || !::isatty(r.value().fd()))
            return "not /dev/tty: fd " + std::to_string(r.value().fd());
        return "";
    });
    CHECK(ctty == "");
}
