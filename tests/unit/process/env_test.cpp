// The container process's environment (runc's prepareEnv): each variable once, at the place of
// its last occurrence with its last value; an empty HOME counts as absent.
#include "process/init_process.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hull::process;

using Env = std::vector<std::string>;

TEST_CASE("dedupe_env keeps the last value of a variable listed twice, in its last place")
{
    CHECK(dedupe_env({"ONE=two", "ONE="}) == Env {"ONE="});
    CHECK(
        dedupe_env({"ONE=two", "PATH=/bin", "TWO=2", "ONE=", "TWO=3"}) == Env {"PATH=/bin", "ONE=", "TWO=3"});
    // A name is the text before the first '=': "A=b=c" and "A=d" are the same variable.
    CHECK(dedupe_env({"A=b=c", "A=d", "AB=1"}) == Env {"A=d", "AB=1"});
    CHECK(dedupe_env({}).empty());
    CHECK(dedupe_env({"X=1", "Y=2"}) == Env {"X=1", "Y=2"});
}

TEST_CASE("dedupe_env drops an empty HOME only when it is the last one")
{
    CHECK(dedupe_env({"HOME=", "PATH=/bin"}) == Env {"PATH=/bin"});
    CHECK(dedupe_env({"HOME=/x", "HOME="}).empty());
    CHECK(dedupe_env({"HOME=", "HOME=/x"}) == Env {"HOME=/x"});
    CHECK(!env_has(dedupe_env({"PATH=/bin", "HOME="}), "HOME"));
    // Only HOME is filled in: another empty variable stays as given.
    CHECK(dedupe_env({"HOMEDIR=", "USER="}) == Env {"HOMEDIR=", "USER="});
}
