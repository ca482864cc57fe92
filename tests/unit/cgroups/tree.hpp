// A temporary directory laid out like cgroupfs, and a Manager that records its writes there.
#pragma once

#include "hull/cgroups/manager.hpp"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cgtest {

struct Tree {
    std::string root;

    Tree()
    {
        char tmpl[] = "/tmp/hull-cgroups-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    ~Tree() { std::system(("rm -rf " + root).c_str()); }
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;

    std::string at(const std::string& rel) const { return rel.empty() ? root : root + "/" + rel; }

    void dir(const std::string& rel) const
    {
        std::string path = root;
        std::string rest = rel;
        while (!rest.empty()) {
            size_t slash = rest.find('/');
            path += "/" + rest.substr(0, slash);
            ::mkdir(path.c_str(), 0755);
            rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
        }
    }

    // Creates (or replaces) a file, making its directory.
    void file(const std::string& rel, const std::string& content) const
    {
        size_t slash = rel.rfind('/');
        if (slash != std::string::npos)
            dir(rel.substr(0, slash));
        std::ofstream(at(rel), std::ios::trunc) << content;
    }

    // Several empty files in one directory.
    void files(const std::string& dir_rel, const std::vector<std::string>& names) const
    {
        for (const auto& n : names)
            file(dir_rel + "/" + n, "");
    }

    std::string read(const std::string& rel) const
    {
        std::ifstream in(at(rel));
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    bool exists(const std::string& rel) const
    {
        struct stat st { };
        return ::lstat(at(rel).c_str(), &st) == 0;
    }
};

// The error text of a failed result, for REQUIRE_MESSAGE (which doctest may evaluate on success).
template <typename R> std::string why(const R& r)
{
    return r.ok() ? std::string() : r.error().text();
}

// A child that waits for a signal with default dispositions (doctest's handlers reset), ready
// when this returns.
inline pid_t spawn_pausing_child()
{
    int p[2];
    if (::pipe(p) < 0)
        return -1;
    pid_t child = ::fork();
    if (child == 0) {
        for (int sig : {SIGTERM, SIGKILL, SIGINT, SIGUSR1})
            ::signal(sig, SIG_DFL);
        (void)!::write(p[1], "x", 1);
        for (;;)
            ::pause();
    }
    char c;
    ::close(p[1]);
    (void)!::read(p[0], &c, 1);
    ::close(p[0]);
    return child;
}

// Records "relative/path=data" for each write a Manager makes under the tree.
struct Recorder {
    const Tree& tree;
    std::vector<std::string> writes {};
    std::vector<std::vector<bpf_insn>> programs {};

    hull::cgroups::ManagerOptions options()
    {
        hull::cgroups::ManagerOptions o;
        o.on_write = [this](const std::string& path, std::string_view data) {
            std::string rel = path.compare(0, tree.root.size() + 1, tree.root + "/") == 0
                ? path.substr(tree.root.size() + 1)
                : path;
            writes.push_back(rel + "=" + std::string(data));
        };
        o.load_device_filter
            = [this](int, const std::string&, const std::vector<bpf_insn>& p) -> hull::Result<void> {
            programs.push_back(p);
            return hull::ok();
        };
        o.verify_v1_devices = false;
        o.freeze_timeout_ms = 50;
        return o;
    }
};

} // namespace cgtest
