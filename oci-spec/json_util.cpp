// Private to oci-spec: the typed JSON accessors behind every parser (see json_util.hpp).
#include "json_util.hpp"

namespace hull::oci {

std::string pointer_child(const std::string& pointer, std::string_view key)
{
    std::string out = pointer;
    out += '/';
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string pointer_child(const std::string& pointer, size_t index)
{
    return pointer + "/" + std::to_string(index);
}

namespace detail {

void fail(std::string pointer, std::string reason)
{
    throw ParseFailure {std::move(pointer), std::move(reason)};
}

Error pointer_error(const std::string& pointer, const std::string& reason)
{
    if (pointer.empty())
        return Error::message(reason);
    return Error::message(pointer + ": " + reason);
}

std::string dump_like_go(const OrderedJson& value, int indent, char indent_char)
{
    std::string text = value.dump(indent, indent_char, false, nlohmann::json::error_handler_t::replace);
    // These bytes only occur inside strings: JSON syntax itself never uses them.
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '<')
            out += "\\u003c";
        else if (c == '>')
            out += "\\u003e";
        else if (c == '&')
            out += "\\u0026";
        else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80'
            && (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
            out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else
            out += c;
    }
    return out;
}

namespace {

[[noreturn]] void wrong_type(const Json& value, const std::string& pointer, std::string_view expected)
{
    fail(pointer, "expected " + std::string(expected) + ", got " + value.type_name());
}

} // namespace

void expect_object(const Json& value, const std::string& pointer)
{
    if (!value.is_object())
        wrong_type(value, pointer, "object");
}

void expect_array(const Json& value, const std::string& pointer)
{
    if (!value.is_array())
        wrong_type(value, pointer, "array");
}

std::string as_string(const Json& value, const std::string& pointer)
{
    if (!value.is_string())
        wrong_type(value, pointer, "string");
    return value.get<std::string>();
}

bool as_bool(const Json& value, const std::string& pointer)
{
    if (!value.is_boolean())
        wrong_type(value, pointer, "boolean");
    return value.get<bool>();
}

int64_t as_int64(const Json& value, const std::string& pointer)
{
    if (value.is_number_unsigned()) {
        uint64_t v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail(pointer,
                "value " + std::to_string(v) + " out of range (" + std::to_string(INT64_MIN) + " to "
                    + std::to_string(INT64_MAX) + ")");
        return static_cast<int64_t>(v);
    }
    if (value.is_number_integer())
        return value.get<int64_t>();
    wrong_type(value, pointer, "integer");
}

uint64_t as_uint64(const Json& value, const std::string& pointer)
{
    if (value.is_number_unsigned())
        return value.get<uint64_t>();
    if (value.is_number_integer())
        fail(pointer,
            "value " + std::to_string(value.get<int64_t>()) + " out of range (0 to "
                + std::to_string(UINT64_MAX) + ")");
    wrong_type(value, pointer, "integer");
}

Object::Object(const Json& value, std::string pointer)
    : m_value(value)
    , m_pointer(std::move(pointer))
{
    expect_object(m_value, m_pointer);
}

const Json* Object::get(std::string_view key) const
{
    auto it = m_value.find(key);
    if (it == m_value.end() || it->is_null())
        return nullptr;
    return &*it;
}

const Json& Object::require(std::string_view key) const
{
    const Json* v = get(key);
    if (!v)
        fail(pointer_of(key), "required field missing");
    return *v;
}

std::string Object::required_string(std::string_view key) const
{
    return as_string(require(key), pointer_of(key));
}

void Object::read(std::string_view key, std::string& out) const
{
    if (const Json* v = get(key))
        out = as_string(*v, pointer_of(key));
}

void Object::read(std::string_view key, bool& out) const
{
    if (const Json* v = get(key))
        out = as_bool(*v, pointer_of(key));
}

void Object::read(std::string_view key, std::optional<bool>& out) const
{
    if (const Json* v = get(key))
        out = as_bool(*v, pointer_of(key));
}

void Object::read(std::string_view key, std::vector<std::string>& out) const
{
    read_array(key, out, [](const Json& j, const std::string& p) { return as_string(j, p); });
}

void Object::read(std::string_view key, std::optional<std::vector<std::string>>& out) const
{
    if (!get(key))
        return;
    std::vector<std::string> list;
    read(key, list);
    out = std::move(list);
}

void Object::read(std::string_view key, std::map<std::string, std::string>& out) const
{
    read_map(key, out, [](const Json& j, const std::string& p) { return as_string(j, p); });
}

} // namespace detail

} // namespace hull::oci
