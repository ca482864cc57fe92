// The foreground terminal relay: `run` / `exec` with a terminal and no --console-socket
// (cli-contract.md §6.2, runc's tty.go).
//
//   auto host = TRY(HostConsole::find());          // before anything is created: fails with
//                                                   // "open /dev/tty: no such device or address"
//   auto pair = TRY(FdPair::socketpair(SOCK_STREAM)); // child end → the container process
//   ... the container sends its master (console.hpp) ...
//   auto master = TRY(receive_console_master(pair.parent_end().get()));
//   auto relay = TRY(ConsoleRelay::start(std::move(master), std::move(host)));
//   loop: fds.clear(); relay.fill_pollfds(fds); + the caller's own fds (signalfd, pidfd);
//         poll(); TRY(relay.on_ready(fds)); on SIGWINCH: (void)relay.resize();
//   after the container exited: (void)relay.drain();  // the destructor restores the host tty
//
// All copying is one non-blocking step per poll event, so the caller's loop keeps control:
// the master is set O_NONBLOCK; stdin and stdout keep their flags (they are shared with the
// caller's shell), stdin is read once per POLLIN and output is written whole.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <cstddef>
#include <optional>
#include <poll.h>
#include <span>
#include <string>
#include <termios.h>
#include <unistd.h>
#include <vector>

namespace hull::terminal {

// The terminal the user sits at. Raw mode is undone by restore() and by the destructor (RAII).
class HostConsole {
public:
    HostConsole() = default; // none: raw mode and resizing are no-ops

    // runc's order: stderr, stdout, stdin (whichever is a terminal), then /dev/tty; with no
    // controlling terminal: "open /dev/tty: no such device or address".
    static Result<HostConsole> find();
    // An explicit terminal fd, not owned (tests; -1: none).
    static HostConsole borrow(int fd);

    HostConsole(HostConsole&& other) noexcept;
    HostConsole& operator=(HostConsole&& other) noexcept;
    HostConsole(const HostConsole&) = delete;
    HostConsole& operator=(const HostConsole&) = delete;
    ~HostConsole() { restore(); }

    int fd() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    bool is_raw() const { return m_saved.has_value(); }

    // Saves the current mode and sets cfmakeraw's (no echo, no signals, no line editing, no
    // output processing, 8 bits, VMIN 1). Once only; a no-op without a console.
    Result<void> make_raw();
    // Puts the saved mode back (TCSANOW); idempotent.
    void restore();

private:
    UniqueFd m_owned; // /dev/tty when it was opened
    int m_fd = -1;
    std::optional<struct termios> m_saved;
};

class ConsoleRelay {
public:
    // Clears ONLCR on the master (as runc in the foreground: the container's "\n" reaches
    // stdout as "\n"), makes it non-blocking, sets the host console raw and copies its size.
    // in_fd → master, master → out_fd; in_fd -1 means no input.
    static Result<ConsoleRelay> start(
        UniqueFd master, HostConsole host, int in_fd = STDIN_FILENO, int out_fd = STDOUT_FILENO);

    ConsoleRelay(ConsoleRelay&&) noexcept = default;
    ConsoleRelay& operator=(ConsoleRelay&&) noexcept = default;

    int master_fd() const { return m_master.get(); }
    // -1 once stdin reached EOF (it is then no longer polled nor read).
    int stdin_fd() const { return m_in_open ? m_in : -1; }
    // False once the slave side is closed and everything it wrote was copied.
    bool master_open() const { return m_master_open; }
    const HostConsole& host() const { return m_host; }

    // Host console size → master (TIOCGWINSZ, TIOCSWINSZ). For SIGWINCH; a no-op without a
    // host console.
    Result<void> resize();

    // Appends what to wait for: stdin (POLLIN) while it is open and no input is queued, the
    // master (POLLIN, and POLLOUT while input is queued) while it is open.
    void fill_pollfds(std::vector<struct pollfd>& fds) const;
    // Handles the entries of `fds` that are this relay's (matched by fd; others are skipped).
    // Returns master_open().
    Result<bool> on_ready(std::span<const struct pollfd> fds);

    // One read of stdin, written to the master (what does not fit stays queued until POLLOUT).
    // Returns false once stdin is at EOF: nothing is sent to the container then, as runc.
    Result<bool> pump_stdin();
    // One read of the master, written whole to out_fd. Returns false once the slave side is
    // closed (EIO) and all its output was read.
    Result<bool> pump_master();
    // Writes queued input to the master until it would block.
    Result<void> flush_input();
    // After the container exited: copies what is left on the master to out_fd, until it would
    // block or the slave is closed. Never waits.
    Result<void> drain();
    // The host console back to its saved mode (also done on destruction).
    void restore() { m_host.restore(); }

private:
    ConsoleRelay() = default;

    enum class Copied { Data, WouldBlock, Closed };
    Result<Copied> copy_master_once();

    UniqueFd m_master;
    HostConsole m_host;
    int m_in = -1;
    int m_out = -1;
    bool m_in_open = false;
    bool m_master_open = false;
    std::string m_pending; // stdin data the master has not taken yet
};

} // namespace hull::terminal
