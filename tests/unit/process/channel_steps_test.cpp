// The init channel step by step (src/process/protocol.hpp): EOF at every wait of either side,
// every message out of order, numbers in payloads that are no numbers, and bounds on both ends.
#include "channel_wire.hpp"
#include "process/protocol.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace hull;
using namespace hull::process;
using namespace channel_wire;

namespace {

constexpr Msg kAll[] = {Msg::ChildReady, Msg::ChildError, Msg::ParentCreated, Msg::ChildDetached,
    Msg::ParentMapsWritten, Msg::ChildRequestHooks, Msg::ParentHooksDone, Msg::ChildRequestMaps,
    Msg::ChildInitPid, Msg::ParentSetupReady, Msg::ChildSeccompListener, Msg::ParentSeccompDone,
    Msg::ChildRequestMountSource, Msg::ParentMountSource, Msg::ChildIdmapTree, Msg::ParentIdmapDone};

// One wait of the protocol: the message it expects, and the call, made on `c`.
struct Wait {
    Msg msg;
    std::function<Result<void>(Channel& c)> call;
};

template <typename T> Result<void> drop(Result<T> r)
{
    if (!r.ok())
        return std::move(r).error();
    return ok();
}

// Every wait of both sides. The requests that send first (request_mount_source, request_idmap)
// wait for the answer after their own message went out.
std::vector<Wait> every_wait()
{
    return {
        {Msg::ChildReady, [](Channel& c) { return c.wait_ready(); }},
        {Msg::ParentCreated, [](Channel& c) { return c.wait_created(); }},
        {Msg::ChildDetached, [](Channel& c) { return c.wait_detached(); }},
        {Msg::ParentMapsWritten, [](Channel& c) { return c.wait_maps_written(); }},
        {Msg::ChildRequestHooks, [](Channel& c) { return c.wait_hooks_request(); }},
        {Msg::ParentHooksDone, [](Channel& c) { return drop(c.wait_hooks_done()); }},
        {Msg::ChildRequestMaps, [](Channel& c) { return c.wait_maps_request(); }},
        {Msg::ChildInitPid, [](Channel& c) { return drop(c.wait_init_pid()); }},
        {Msg::ParentSetupReady, [](Channel& c) { return c.wait_setup_ready(); }},
        {Msg::ChildSeccompListener, [](Channel& c) { return drop(c.wait_seccomp_listener(::getpid())); }},
        {Msg::ParentSeccompDone, [](Channel& c) { return c.wait_seccomp_done(); }},
        {Msg::ChildRequestMountSource, [](Channel& c) { return drop(c.wait_mount_source_request()); }},
        {Msg::ParentMountSource, [](Channel& c) { return drop(c.request_mount_source(0)); }},
        {Msg::ChildIdmapTree,
            [](Channel& c) {
                UniqueFd tree;
                return drop(c.wait_idmap_request(&tree));
            }},
        {Msg::ParentIdmapDone,
            [](Channel& c) {
                UniqueFd tree(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
                return c.request_idmap(0, tree.get());
            }},
    };
}

// A well-formed message of kind `msg` as its sender writes it (payload, fd).
void send_valid(int peer, Msg msg)
{
    Channel sender {UniqueFd(::dup(peer))};
    UniqueFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    Result<void> r = ok();
    switch (msg) {
    case Msg::ChildError:
        sender.report_error(Error::message("boom"));
        break;
    case Msg::ParentHooksDone:
        r = sender.confirm_hooks_done("{}");
        break;
    case Msg::ChildInitPid:
        r = sender.report_init_pid(42);
        break;
    case Msg::ChildSeccompListener:
        r = sender.report_seccomp_listener(0);
        break;
    case Msg::ChildRequestMountSource:
        r = sender.send(msg, "0");
        break;
    case Msg::ParentMountSource:
        r = sender.send_mount_source(dir.get());
        break;
    case Msg::ChildIdmapTree:
        r = sender.send(msg, "0", dir.get());
        break;
    default:
        r = sender.send(msg);
    }
    REQUIRE(r.ok());
}

} // namespace

TEST_CASE("EOF at every wait of either side is ECHILD, naming the message it waited for")
{
    for (const Wait& w : every_wait()) {
        CAPTURE(std::string(to_string(w.msg)));
        Pair p = make_pair();
        // The peer stops writing but still takes what the requests send first.
        REQUIRE(::shutdown(p.peer.get(), SHUT_WR) == 0);
        auto r = w.call(p.receiver);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code() == ECHILD);
        CHECK(contains(r.error().text(), std::string("peer closed the channel before ") + to_string(w.msg)));
    }
}

TEST_CASE("EOF right after the header of every kind with a payload is ECHILD, not a short payload")
{
    for (Msg m : kAll) {
        if (max_payload(m) < 2)
            continue;
        CAPTURE(std::string(to_string(m)));
        Pair p = make_pair();
        send_raw(p.peer.get(), header(m, 2, "1"));
        p.peer.reset();
        auto r = p.receiver.receive(m);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code() == ECHILD);
    }
}

TEST_CASE("every message but the awaited one (and an error report) is refused at every wait")
{
    for (const Wait& w : every_wait()) {
        for (Msg got : kAll) {
            if (got == w.msg || got == Msg::ChildError)
                continue;
            CAPTURE(std::string(to_string(w.msg)));
            CAPTURE(std::string(to_string(got)));
            Pair p = make_pair();
            send_valid(p.peer.get(), got);
            auto r = w.call(p.receiver);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().text()
                == std::string("protocol error: expected ") + to_string(w.msg) + ", got " + to_string(got));
        }
    }
}

TEST_CASE("an error report at every wait is the init's error, not a protocol error")
{
    for (const Wait& w : every_wait()) {
        CAPTURE(std::string(to_string(w.msg)));
        Pair p = make_pair();
        Channel init {std::move(p.peer)};
        init.report_error(Error::from_code(EACCES, "mount /proc").context("prepare rootfs"));
        auto r = w.call(p.receiver);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code() == EACCES);
        CHECK(contains(r.error().text(), "prepare rootfs: mount /proc"));
    }
}

TEST_CASE("kinds the protocol does not have are refused by name")
{
    Pair p = make_pair();
    for (int kind : {0, 17, 255}) {
        CAPTURE(kind);
        send_raw(p.peer.get(), header(static_cast<Msg>(kind), 0));
        CHECK(
            receive_error(p.receiver, Msg::ChildReady) == "protocol error: expected ChildReady, got unknown");
    }
}

TEST_CASE("an fd that comes with the wrong message is closed, never kept")
{
    Pair p = make_pair();
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    {
        Channel sender {std::move(p.peer)};
        REQUIRE(sender.send_mount_source(write_end.get()).ok());
        CHECK(receive_error(p.receiver, Msg::ChildReady)
            == "protocol error: expected ChildReady, got ParentMountSource");
    }
    write_end.reset();
    char byte;
    CHECK(::read(read_end.get(), &byte, 1) == 0);
}

TEST_CASE("a malformed or empty error report is refused as such")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), message(Msg::ChildError, "not a serialized error"));
    CHECK(receive_error(p.receiver, Msg::ChildReady) == "malformed error report from the container init");
    send_raw(p.peer.get(), message(Msg::ChildError));
    CHECK(receive_error(p.receiver, Msg::ChildReady) == "malformed error report from the container init");
}

TEST_CASE("an init pid is a positive decimal that fits a pid_t, written plainly")
{
    Pair p = make_pair();
    // 4294967297 would wrap to pid 1 in a pid_t.
    for (std::string bad : {"", "0", "-1", "+42", " 42", "42 ", "4x", "0x10", "2147483648", "4294967297"}) {
        CAPTURE(bad);
        send_raw(p.peer.get(), message(Msg::ChildInitPid, bad));
        auto r = p.receiver.wait_init_pid();
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "protocol error: bad init pid \"" + bad + "\"");
    }
    send_raw(p.peer.get(), message(Msg::ChildInitPid, "2147483647"));
    auto max = p.receiver.wait_init_pid();
    REQUIRE(max.ok());
    CHECK(max.value() == 2147483647);
}

TEST_CASE("a mount index is a decimal count that fits a size_t, written plainly")
{
    Pair p = make_pair();
    // 18446744073709551616 is one past the largest size_t: no index, not the largest one.
    for (std::string bad : {"", "-1", "+1", " 1", "1a", "18446744073709551616", "99999999999999999999"}) {
        CAPTURE(bad);
        send_raw(p.peer.get(), message(Msg::ChildRequestMountSource, bad));
        auto r = p.receiver.wait_mount_source_request();
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "protocol error: bad mount index \"" + bad + "\"");
    }
    send_raw(p.peer.get(), message(Msg::ChildRequestMountSource, "18446744073709551615"));
    auto max = p.receiver.wait_mount_source_request();
    REQUIRE(max.ok());
    CHECK(max.value() == SIZE_MAX);
}

TEST_CASE("a seccomp listener fd number is a decimal that fits an int; the fd is taken from the sender")
{
    Pair p = make_pair();
    for (std::string bad : {"", "-1", "+3", "3 ", "2147483648", "4294967299"}) {
        CAPTURE(bad);
        send_raw(p.peer.get(), message(Msg::ChildSeccompListener, bad));
        auto r = p.receiver.wait_seccomp_listener(::getpid());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "protocol error: bad seccomp listener fd \"" + bad + "\"");
    }
    // The sender's own write(2) path, and pidfd_getfd from this very process.
    UniqueFd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Channel init {UniqueFd(::dup(p.peer.get()))};
    REQUIRE(init.report_seccomp_listener(dir.get()).ok());
    auto got = p.receiver.wait_seccomp_listener(::getpid());
    REQUIRE_MESSAGE(got.ok(), got.error().text());
    struct stat a, b;
    REQUIRE(::fstat(dir.get(), &a) == 0);
    REQUIRE(::fstat(got.value().get(), &b) == 0);
    CHECK(a.st_ino == b.st_ino);
    CHECK(a.st_dev == b.st_dev);
}

TEST_CASE("every bounded kind refuses one byte over its bound at the sender, and sends nothing")
{
    Pair p = make_pair();
    Channel sender {std::move(p.peer)};
    for (Msg m : kAll) {
        // The state JSON's bound is some 100 MB; the receiver's side checks it by announcement.
        if (max_payload(m) > kMaxPacket)
            continue;
        CAPTURE(std::string(to_string(m)));
        auto r = sender.send(m, std::string(max_payload(m) + 1, '1'));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text()
            == std::string("init channel: a ") + to_string(m) + " payload of "
                + std::to_string(max_payload(m) + 1) + " bytes is over its limit of "
                + std::to_string(max_payload(m)));
    }
    REQUIRE(sender.report_detached().ok());
    CHECK(p.receiver.wait_detached().ok());
}

TEST_CASE("every bounded kind refuses one byte over its bound at the receiver, before reading on")
{
    for (Msg m : kAll) {
        if (max_payload(m) == 0)
            continue;
        CAPTURE(std::string(to_string(m)));
        Pair p = make_pair();
        auto over = static_cast<uint32_t>(max_payload(m) + 1);
        send_raw(p.peer.get(), header(m, over, "1"));
        send_raw(p.peer.get(), header(Msg::ChildReady, 0));
        CHECK(receive_error(p.receiver, m)
            == std::string("protocol error: ") + to_string(m) + " announces " + std::to_string(over)
                + " bytes, more than its limit of " + std::to_string(max_payload(m)));
        // Nothing after the header was taken for the payload.
        CHECK(p.receiver.wait_ready().ok());
    }
}

TEST_CASE("a send to a peer that is gone fails as its EOF does (ECHILD) instead of raising SIGPIPE")
{
    // ECHILD, not EPIPE: the caller waits for the child to tell how it died.
    Pair p = make_pair();
    p.peer.reset();
    auto r = p.receiver.confirm_created();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ECHILD);
}
