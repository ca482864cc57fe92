#include "process/userdb.hpp"

#include <doctest/doctest.h>

using namespace hull::process;

TEST_CASE("passwd lookup by uid finds name, gid and home, and skips malformed lines")
{
    std::string text = "root:x:0:0:root:/root:/bin/sh\n"
                       "broken line\n"
                       "weird:x:12a:1:::\n"
                       "user:x:1000:1000:A User:/home/user:/bin/sh\n"
                       "nohome:x:7:7::\n";
    auto root = find_uid(text, 0);
    REQUIRE(root);
    CHECK(root->name == "root");
    CHECK(root->home == "/root");
    auto user = find_uid(text, 1000);
    REQUIRE(user);
    CHECK(user->gid == 1000);
    CHECK(user->home == "/home/user");
    CHECK_FALSE(find_uid(text, 12));
    CHECK_FALSE(find_uid(text, 4242));
    auto nohome = find_uid(text, 7);
    REQUIRE(nohome);
    CHECK(nohome->home.empty());
    CHECK_FALSE(lookup_uid("/nonexistent/passwd", 0));
}
