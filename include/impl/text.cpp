#include "hull/text.hpp"

namespace hull {

namespace {

enum class Control { GoHex, JsonUnicode };

std::string escaped(std::string_view text, Control control)
{
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (control == Control::GoHex && (c < 0x20 || c == 0x7f)) {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else if (control == Control::JsonUnicode && c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

} // namespace

std::string in_quotes(std::string_view text)
{
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

std::string go_quote(std::string_view text)
{
    return escaped(text, Control::GoHex);
}

std::string json_quote(std::string_view text)
{
    return escaped(text, Control::JsonUnicode);
}

std::string_view trim(std::string_view text, std::string_view blanks)
{
    size_t first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    size_t last = text.find_last_not_of(blanks);
    return text.substr(first, last - first + 1);
}

} // namespace hull
