// Private to oci-spec: typed access to nlohmann::json values that reports failures with the
// JSON pointer of the offending value. Parsers throw ParseFailure; the public entry points
// catch it (and nlohmann's exceptions) and turn it into an Error, so nothing escapes the module.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/pointer.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hull::oci::detail {

using Json = nlohmann::json;

struct ParseFailure {
    std::string pointer;
    std::string reason;
};

[[noreturn]] void fail(std::string pointer, std::string reason);

// "/linux" + "sysctl" -> "/linux/sysctl" (see pointer.hpp).
inline std::string child(const std::string& pointer, std::string_view key)
{
    return pointer_child(pointer, key);
}
inline std::string child(const std::string& pointer, size_t index)
{
    return pointer_child(pointer, index);
}

// The pointer and reason as one message: "/pointer: reason", or just the reason at the root.
Error pointer_error(const std::string& pointer, const std::string& reason);

// Parses text into a Json (duplicate keys: the last wins, as in Go) and runs `parse` on it,
// converting every failure into "<document>: ..." errors.
template <typename T, typename F>
Result<T> parse_document(std::string_view text, std::string_view document, F&& parse);

using OrderedJson = nlohmann::ordered_json;

// Dumps as Go's encoding/json does: the given indent, and '<', '>', '&', U+2028 and U+2029
// escaped inside strings; invalid UTF-8 becomes U+FFFD.
std::string dump_like_go(const OrderedJson& value, int indent, char indent_char);

void expect_object(const Json& value, const std::string& pointer);
void expect_array(const Json& value, const std::string& pointer);
std::string as_string(const Json& value, const std::string& pointer);
bool as_bool(const Json& value, const std::string& pointer);
int64_t as_int64(const Json& value, const std::string& pointer);
uint64_t as_uint64(const Json& value, const std::string& pointer);

template <typename T> T as_integer(const Json& value, const std::string& pointer)
{
    static_assert(std::is_integral_v<T>);
    if constexpr (std::is_unsigned_v<T>) {
        if (value.is_number_integer() && !value.is_number_unsigned())
            fail(pointer,
                "value " + std::to_string(value.get<int64_t>()) + " out of range (0 to "
                    + std::to_string(std::numeric_limits<T>::max()) + ")");
        uint64_t v = as_uint64(value, pointer);
        if (v > std::numeric_limits<T>::max())
            fail(pointer,
                "value " + std::to_string(v) + " out of range (0 to "
                    + std::to_string(std::numeric_limits<T>::max()) + ")");
        return static_cast<T>(v);
    } else {
        int64_t v = as_int64(value, pointer);
        if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
            fail(pointer,
                "value " + std::to_string(v) + " out of range ("
                    + std::to_string(std::numeric_limits<T>::min()) + " to "
                    + std::to_string(std::numeric_limits<T>::max()) + ")");
        return static_cast<T>(v);
    }
}

// A JSON object being read, with its pointer. Absent members and members set to null are
// treated alike (Go's encoding/json leaves the field unset for both).
class Object {
public:
    Object(const Json& value, std::string pointer);

    const std::string& pointer() const { return m_pointer; }
    std::string pointer_of(std::string_view key) const { return child(m_pointer, key); }
    const Json* get(std::string_view key) const;
    // Fails with "/pointer/key: required field missing" when absent.
    const Json& require(std::string_view key) const;

    void read(std::string_view key, std::string& out) const;
    void read(std::string_view key, bool& out) const;
    void read(std::string_view key, std::optional<bool>& out) const;
    void read(std::string_view key, std::vector<std::string>& out) const;
    void read(std::string_view key, std::optional<std::vector<std::string>>& out) const;
    void read(std::string_view key, std::map<std::string, std::string>& out) const;

    template <typename T>
    requires std::is_integral_v<T>
    void read(std::string_view key, T& out) const
    {
        if (const Json* v = get(key))
            out = as_integer<T>(*v, pointer_of(key));
    }

    template <typename T>
    requires std::is_integral_v<T>
    void read(std::string_view key, std::optional<T>& out) const
    {
        if (const Json* v = get(key))
            out = as_integer<T>(*v, pointer_of(key));
    }

    template <typename T>
    requires std::is_integral_v<T>
    void read(std::string_view key, std::vector<T>& out) const
    {
        const Json* v = get(key);
        if (!v)
            return;
        std::string p = pointer_of(key);
        expect_array(*v, p);
        out.clear();
        for (size_t i = 0; i < v->size(); ++i)
            out.push_back(as_integer<T>((*v)[i], child(p, i)));
    }

    template <typename T>
    requires std::is_integral_v<T> T required_integer(std::string_view key)
    const { return as_integer<T>(require(key), pointer_of(key)); }
    std::string required_string(std::string_view key) const;

    // An array of objects, each read by parse(const Json&, const std::string& pointer).
    template <typename T, typename F>
    void read_array(std::string_view key, std::vector<T>& out, F&& parse) const
    {
        const Json* v = get(key);
        if (!v)
            return;
        std::string p = pointer_of(key);
        expect_array(*v, p);
        out.clear();
        for (size_t i = 0; i < v->size(); ++i)
            out.push_back(parse((*v)[i], child(p, i)));
    }

    // A nested object read by parse(const Json&, const std::string& pointer).
    template <typename T, typename F>
    void read_object(std::string_view key, std::optional<T>& out, F&& parse) const
    {
        if (const Json* v = get(key))
            out = parse(*v, pointer_of(key));
    }

    // A map of objects keyed by name, each value read by parse.
    template <typename T, typename F>
    void read_map(std::string_view key, std::map<std::string, T>& out, F&& parse) const
    {
        const Json* v = get(key);
        if (!v)
            return;
        std::string p = pointer_of(key);
        expect_object(*v, p);
        out.clear();
        for (auto it = v->begin(); it != v->end(); ++it)
            out.emplace(it.key(), parse(it.value(), child(p, it.key())));
    }

private:
    const Json& m_value;
    std::string m_pointer;
};

template <typename T, typename F>
Result<T> parse_document(std::string_view text, std::string_view document, F&& parse)
{
    std::string doc(document);
    try {
        Json root = Json::parse(text.begin(), text.end());
        return parse(root);
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>".
        std::string reason = what;
        if (auto pos = what.find(": "); pos != std::string::npos)
            reason = what.substr(pos + 2);
        return Error::message("parse error at byte " + std::to_string(e.byte) + ": " + reason).context(doc);
    } catch (const ParseFailure& f) {
        return pointer_error(f.pointer, f.reason).context(doc);
    } catch (const std::exception& e) {
        return Error::message(std::string("unexpected error: ") + e.what()).context(doc);
    }
}

} // namespace hull::oci::detail
