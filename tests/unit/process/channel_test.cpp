// The init channel (src/process/protocol.hpp): payloads of any size up to their kind's bound
// arrive whole, and every length on the wire is checked before anything is read on or allocated
// for it (security.md P13, CVE-2021-43784). Packets a well-behaved peer never sends are written
// raw onto the socketpair.
#include "channel_wire.hpp"
#include "process/protocol.hpp"

#include "hull/oci/state.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::process;
using namespace channel_wire;

namespace {

// A state JSON-like payload of `size` bytes that tells any lost or reordered part.
std::string pattern(size_t size)
{
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// The payload sent by a forked child through confirm_hooks_done, received here.
Result<std::string> through_fork(const std::string& payload)
{
    Pair p = make_pair();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        Channel sender(std::move(p.peer));
        ::_exit(sender.confirm_hooks_done(payload).ok() ? 0 : 1);
    }
    p.peer.reset();
    ChildProcess child(pid);
    auto got = p.receiver.wait_hooks_done();
    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(WIFEXITED(status.value()));
    CHECK(WEXITSTATUS(status.value()) == 0);
    return got;
}

} // namespace

TEST_CASE("a state payload arrives whole at every size around the packet boundaries and far beyond")
{
    const size_t first = kMaxPacket - kHeaderSize;
    for (size_t size : {size_t(0), size_t(1), first - 1, first, first + 1, first + kMaxPacket,
             first + kMaxPacket + 1, size_t(6 * 1024 * 1024 + 17)}) {
        CAPTURE(size);
        std::string payload = pattern(size);
        auto got = through_fork(payload);
        REQUIRE_MESSAGE(got.ok(), got.error().text());
        CHECK(got.value().size() == size);
        CHECK(got.value() == payload);
    }
}

TEST_CASE("each kind has its bound: state JSON from the config's, errors one packet, none for the rest")
{
    CHECK(max_payload(Msg::ParentHooksDone) == kMaxStatePayload);
    CHECK(kMaxStatePayload >= 6 * oci::kMaxConfigSize);
    CHECK(max_payload(Msg::ChildError) == kMaxPacket - kHeaderSize);
    CHECK(max_payload(Msg::ChildInitPid) == 16);
    CHECK(max_payload(Msg::ChildSeccompListener) == 16);
    for (Msg m : {Msg::ChildReady, Msg::ParentCreated, Msg::ChildDetached, Msg::ParentMapsWritten,
             Msg::ChildRequestHooks, Msg::ChildRequestMaps, Msg::ParentSetupReady, Msg::ParentSeccompDone})
        CHECK(max_payload(m) == 0);
}

TEST_CASE("the state JSON stays within 6 times the config's bytes plus the margin, at its worst escaping")
{
    // Annotations of bytes the state escapes to six ('<', '>', '&') and of the shortest keys;
    // the config text holds them unescaped, compact. The id, bundle and rootfs are as long as
    // create lets them be (a state directory name; PATH_MAX, plus the root path of the config).
    oci::State state;
    state.ociVersion = "1.3.0";
    state.id = std::string(255, 'i');
    state.bundle = std::string(4095, '&');
    state.rootfs = state.bundle + "/" + std::string(100, '<');
    state.status = "creating";
    state.pid = 4194304;
    state.created = "2026-12-07T12:00:00.000000000Z";
    state.owner = "root";
    std::string config
        = R"({"ociVersion":"1.3.0","root":{"path":")" + std::string(100, '<') + R"("},"annotations":{)";
    for (int i = 0; i < 20000; ++i) {
        std::string key = std::to_string(i);
        state.annotations[key] = std::string(i % 50, i % 2 ? '<' : '&');
        config += (i ? ",\"" : "\"") + key + "\":\"" + state.annotations[key] + "\"";
    }
    config += "}}";
    std::string json = oci::state_to_json(state);
    CHECK(json.size() > 4 * config.size());
    CHECK(json.size() <= 6 * config.size() + (kMaxStatePayload - 6 * oci::kMaxConfigSize));
}

TEST_CASE("the sender refuses a payload over its kind's bound and sends nothing")
{
    Pair p = make_pair();
    Channel sender(std::move(p.peer));
    auto r = sender.send(Msg::ChildInitPid, std::string(17, '1'));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "init channel: a ChildInitPid payload of 17 bytes is over its limit of 16");
    CHECK_FALSE(sender.send(Msg::ChildReady, "x").ok());
    // Nothing went out: the next message is the first one the receiver sees.
    REQUIRE(sender.report_ready().ok());
    CHECK(p.receiver.wait_ready().ok());
}

TEST_CASE("an announced length over the kind's bound is refused before anything more is read")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, static_cast<uint32_t>(kMaxStatePayload + 1), "{"));
    send_raw(p.peer.get(), header(Msg::ChildReady, 0));
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "protocol error: ParentHooksDone announces " + std::to_string(kMaxStatePayload + 1)
            + " bytes, more than its limit of " + std::to_string(kMaxStatePayload));
    // The packet after it is still queued: the receiver did not read on.
    CHECK(p.receiver.wait_ready().ok());

    send_raw(p.peer.get(), header(Msg::ParentHooksDone, UINT32_MAX));
    CHECK(contains(receive_error(p.receiver, Msg::ParentHooksDone), "announces 4294967295 bytes"));
}

TEST_CASE("a ChildError is bounded by its own limit, whatever message was awaited")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ChildError, 1 << 20));
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "protocol error: ChildError announces 1048576 bytes, more than its limit of "
            + std::to_string(kMaxPacket - kHeaderSize));
}

TEST_CASE("payload-free kinds and the pid refuse what they cannot carry")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ChildReady, 1, "x"));
    CHECK(receive_error(p.receiver, Msg::ChildReady) == "protocol error: unexpected payload with ChildReady");
    send_raw(p.peer.get(), header(Msg::ChildInitPid, 17, std::string(17, '1')));
    CHECK(contains(receive_error(p.receiver, Msg::ChildInitPid), "ChildInitPid announces 17 bytes"));
    send_raw(p.peer.get(), header(Msg::ChildInitPid, 3, "-12"));
    auto bad = p.receiver.wait_init_pid();
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().text() == "protocol error: bad init pid \"-12\"");
    send_raw(p.peer.get(), header(Msg::ChildInitPid, 4, "4242"));
    auto pid = p.receiver.wait_init_pid();
    REQUIRE(pid.ok());
    CHECK(pid.value() == 4242);
}

TEST_CASE("packets that disagree with their header are refused")
{
    Pair p = make_pair();
    // shorter than a header
    send_raw(p.peer.get(), std::string(3, '\x07'));
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "protocol error: a packet of 3 bytes, shorter than a header");
    // more bytes than announced
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, 3, "0123456789"));
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "protocol error: ParentHooksDone packet longer than its 3-byte payload");
    // a continuation longer than what is left
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, 10, "01234"));
    send_raw(p.peer.get(), "56789abc");
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "oversized packet on the init channel: 8 bytes where at most 5 may come");
    // a packet over kMaxPacket
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, kMaxPacket + 10, std::string(kMaxPacket + 1, 'x')));
    CHECK(contains(receive_error(p.receiver, Msg::ParentHooksDone), "oversized packet on the init channel"));
    // the wrong kind
    send_raw(p.peer.get(), header(Msg::ParentCreated, 0));
    CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
        == "protocol error: expected ParentHooksDone, got ParentCreated");
}

TEST_CASE("a peer gone in the middle of a payload is an ECHILD error, not a short payload")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, 100, "partial"));
    p.peer.reset();
    auto r = p.receiver.wait_hooks_done();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ECHILD);
}

TEST_CASE("a peer that died with packets of ours unread is an ECHILD error, not a reset")
{
    // The kernel resets the connection instead of closing it when the closing end had packets
    // queued: a create or exec child killed before it read the runtime's last message.
    Pair p = make_pair();
    REQUIRE(p.receiver.confirm_created().ok());
    p.peer.reset();
    auto r = p.receiver.wait_ready();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ECHILD);
}

TEST_CASE("an fd inside a continuation packet is refused and closed")
{
    Pair p = make_pair();
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    send_raw(p.peer.get(), header(Msg::ParentHooksDone, 10, "01234"));
    {
        Channel raw(std::move(p.peer));
        // a continuation packet is plain bytes; send() would add a header, so build it by hand
        char data[] = "56789";
        struct iovec iov = {data, 5};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr mh = {};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        int fd = write_end.get();
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
        REQUIRE(::sendmsg(raw.fd(), &mh, MSG_NOSIGNAL) == 5);
        CHECK(receive_error(p.receiver, Msg::ParentHooksDone)
            == "protocol error: an fd within the payload of ParentHooksDone");
    }
    // The copy that crossed the socket is closed: with ours gone, the pipe reads EOF.
    write_end.reset();
    char byte;
    CHECK(::read(read_end.get(), &byte, 1) == 0);
}

TEST_CASE("report_error cuts an oversized error to one packet; it still arrives as an error")
{
    Pair p = make_pair();
    Channel sender(std::move(p.peer));
    sender.report_error(Error::message(std::string(200000, 'e')).context("set up"));
    auto r = p.receiver.wait_ready();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().size() <= kMaxPacket / 2);
    CHECK(r.error().text().substr(0, 12) == "set up: eeee");
}

TEST_CASE("step 3m: the init asks for a mount's source by index and gets the fd the runtime opened")
{
    Pair p = make_pair();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        Channel init(std::move(p.peer));
        auto source = init.request_mount_source(7);
        struct stat st;
        ::_exit(source.ok() && ::fstat(source.value().get(), &st) == 0 && S_ISDIR(st.st_mode) ? 0 : 1);
    }
    p.peer.reset();
    ChildProcess child(pid);
    auto index = p.receiver.wait_mount_source_request();
    REQUIRE(index.ok());
    CHECK(index.value() == 7);
    UniqueFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(p.receiver.send_mount_source(dir.get()).ok());
    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(WIFEXITED(status.value()));
    CHECK(WEXITSTATUS(status.value()) == 0);
}

TEST_CASE("step 3m: a mount index that is not a decimal count, or an answer without an fd, is refused")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ChildRequestMountSource, 2, "-1"));
    auto negative = p.receiver.wait_mount_source_request();
    REQUIRE_FALSE(negative.ok());
    CHECK(negative.error().text() == "protocol error: bad mount index \"-1\"");
    send_raw(p.peer.get(), header(Msg::ChildRequestMountSource, 21, std::string(21, '1')));
    CHECK(contains(receive_error(p.receiver, Msg::ChildRequestMountSource), "announces 21 bytes"));

    Pair q = make_pair();
    send_raw(q.peer.get(), header(Msg::ParentMountSource, 0));
    auto none = q.receiver.request_mount_source(0);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().text() == "protocol error: no fd with the mount source message");
}

TEST_CASE(
    "step 3m: an idmapped tree goes to the runtime with its mount index and the init waits for the answer")
{
    Pair p = make_pair();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        Channel init(std::move(p.peer));
        UniqueFd tree(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        ::_exit(init.request_idmap(3, tree.get()).ok() ? 0 : 1);
    }
    p.peer.reset();
    ChildProcess child(pid);
    UniqueFd tree;
    auto index = p.receiver.wait_idmap_request(&tree);
    REQUIRE(index.ok());
    CHECK(index.value() == 3);
    struct stat st;
    REQUIRE(tree);
    CHECK((::fstat(tree.get(), &st) == 0 && S_ISDIR(st.st_mode)));
    REQUIRE(p.receiver.confirm_idmap_done().ok());
    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(WIFEXITED(status.value()));
    CHECK(WEXITSTATUS(status.value()) == 0);
}

TEST_CASE("step 3m: an idmapped tree message without its fd is refused")
{
    Pair p = make_pair();
    send_raw(p.peer.get(), header(Msg::ChildIdmapTree, 1, "0"));
    UniqueFd tree;
    auto none = p.receiver.wait_idmap_request(&tree);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().text() == "protocol error: no fd with the idmapped tree message");
}
