#include "hull/text.hpp"

#include <doctest/doctest.h>

using namespace hull;

TEST_CASE("in_quotes wraps the text as it is")
{
    CHECK(in_quotes("a\"b") == "\"a\"b\"");
    CHECK(in_quotes("") == "\"\"");
}

TEST_CASE("go_quote escapes as Go's %q does for ASCII")
{
    CHECK(go_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(go_quote("\n\t\r") == "\"\\n\\t\\r\"");
    CHECK(go_quote(std::string_view("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
    CHECK(go_quote("\xc3\xa9") == "\"\xc3\xa9\"");
}

TEST_CASE("json_quote escapes control bytes as \\u00HH and leaves DEL")
{
    CHECK(json_quote(std::string_view("\x01\x7f", 2)) == "\"\\u0001\x7f\"");
    CHECK(json_quote("\x1f") == "\"\\u001f\"");
}

TEST_CASE("trim drops the given blanks at both ends only")
{
    CHECK(trim(" \t1 2\n") == "1 2");
    CHECK(trim("\n1\n", " \t") == "\n1\n");
    CHECK(trim("   ").empty());
    CHECK(trim("").empty());
}
