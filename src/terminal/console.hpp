// Terminals: the container's pty, /dev/console, and runc's console-socket protocol
// (cli-contract.md §6.1; security.md P7, P10, P12).
//
// Container side, in the init (after pivot_root and the mounts) or in an exec'd process (after
// joining the mount namespace), as root in the container, in this order:
//   auto pty = TRY(open_container_pty(spec.process->consoleSize));
//   TRY(give_pty_to(pty.slave.get(), process.user.uid));
//   TRY(mount_console(sys, pty.slave.get()));                   // init only
//   TRY(send_console_master(socket.get(), pty.master.get(), pty.master_name));
//   socket.reset(); pty.master.reset();                          // the runtime keeps no copy
//   TRY(make_controlling_terminal(std::move(pty.slave)));        // setsid, TIOCSCTTY, 0/1/2
// Host side: connect_console_socket(--console-socket) before entering the container (its fd is
// handed to the container process), or, in the foreground, a socketpair whose parent end is
// read with receive_console_master and then relayed by ConsoleRelay (relay.hpp).
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hull::terminal {

// Where the container's own devpts instance puts its multiplexer.
inline constexpr const char* k_container_ptmx = "/dev/pts/ptmx";
// The legacy node (char 5:2): opening it allocates from the devpts mounted at the sibling pts/.
inline constexpr const char* k_legacy_ptmx = "/dev/ptmx";
// Both strict receivers (runc's cmsg.RecvFile, conmon) refuse a name of this length or more.
inline constexpr size_t k_max_console_name = 4096;

struct Pty {
    UniqueFd master; // O_RDWR|O_NOCTTY|O_CLOEXEC, unlocked
    UniqueFd slave; // from TIOCGPTPEER (never opened by path), O_RDWR|O_NOCTTY|O_CLOEXEC
    std::string slave_name; // "/dev/pts/<TIOCGPTN>"
    std::string master_name; // the ptmx path that was opened: the name sent over the socket
};

// Allocates a pty pair from `ptmx_path` (empty: /dev/pts/ptmx, falling back to /dev/ptmx when
// the container has no devpts at /dev/pts). No symlink is followed on the way. Under a devpts
// directory the multiplexer is opened beneath it without crossing a mount and must be its ptmx
// (char 5:2, inode 2); elsewhere it must be a char 5:2 node, checked on an O_PATH handle before
// it is opened and compared after. The peer comes from TIOCGPTPEER. A consoleSize whose height
// and width are both non-zero is applied to the master (ws_row = height, ws_col = width); runc
// skips a size with a zero in it, and so does this.
Result<Pty> open_container_pty(
    const std::optional<oci::ConsoleSize>& size, const std::string& ptmx_path = {});

// Gives the pty slave (and so /dev/pts/N and the /dev/console bound from it) to the user the
// process runs as, as runc's fixStdioPermissions does: the owner becomes `uid`, the group stays
// the one devpts gave the pty (its gid= option, the tty group). An id the user namespace does not
// map (EINVAL), an owner it cannot change (EPERM) or a read-only filesystem (EROFS) leave the
// terminal as it is, as under runc.
Result<void> give_pty_to(int slave_fd, uid_t uid);

// Bind-mounts the pty slave onto <dev_dir>/console through fds: the target is opened with
// O_PATH|O_NOFOLLOW (or created with O_CREAT|O_EXCL|O_NOFOLLOW) beneath a dev_dir reached
// without symlinks, must be a regular file or a character device, and the slave's own mount
// is cloned with open_tree(AT_EMPTY_PATH) and attached with move_mount onto that fd (mount(2)
// of the two /proc/self/fd links when the kernel lacks open_tree), all through `sys`. Never
// resolves /dev/pts/N (CVE-2025-52565).
Result<void> mount_console(Sys& sys, int slave_fd, const std::string& dev_dir = "/dev");

// One sendmsg: `name` as data (non-empty, shorter than 4096 bytes) and exactly one
// SOL_SOCKET/SCM_RIGHTS cmsg of CMSG_LEN(sizeof(int)) carrying `master_fd`, in a control
// buffer of exactly CMSG_SPACE(sizeof(int)) (go-runc recvFd and conmon check both).
Result<void> send_console_master(int socket_fd, int master_fd, std::string_view name);

// The init and an exec'd process send the master over a socket they know only as an fd: the
// runtime, which connected it, adds the --console-socket path to an error of theirs that
// send_console_master made (a receiver that closed early, say) and returns others unchanged.
Error name_console_socket(Error error, const std::string& path);

// Makes the slave the controlling terminal and the standard streams of this process: setsid()
// (unless already a session leader), ioctl(TIOCSCTTY, 0), the slave on 0, 1 and 2 without
// FD_CLOEXEC, and the original fd closed when it is not one of them.
Result<void> make_controlling_terminal(UniqueFd slave);

// Connects to a --console-socket listener (AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC), with Go's
// wording as runc prints it: "dial unix PATH: connect: no such file or directory". A path that
// does not fit sun_path and abstract addresses ("@name") are refused, naming the path.
Result<UniqueFd> connect_console_socket(const std::string& path);

// Receives the master sent by send_console_master (or by runc): exactly one message with a
// name shorter than 4096 bytes and exactly one cmsg carrying exactly one fd, which must be a
// terminal. Every fd received with a malformed message is closed. The fd is O_CLOEXEC.
Result<UniqueFd> receive_console_master(int socket_fd);

} // namespace hull::terminal
