// Text helpers every module shares: the ways hull quotes a value in a message, and trimming.
// One home for each, so an error reads the same whichever module raises it.
#pragma once

#include <string>
#include <string_view>

namespace hull {

// `text` in double quotes as it is, as the spec's error messages show names and values.
std::string in_quotes(std::string_view text);

// Go's %q for ASCII, as runc's messages quote values: '"', '\\', \n, \t and \r escaped, other
// control bytes and DEL as \xHH, everything else (UTF-8 included) as it is.
std::string go_quote(std::string_view text);

// A JSON string literal: as go_quote, but other control bytes as \u00HH (DEL as it is).
std::string json_quote(std::string_view text);

// `text` without the leading and trailing characters found in `blanks`.
std::string_view trim(std::string_view text, std::string_view blanks = " \t\n");

} // namespace hull
