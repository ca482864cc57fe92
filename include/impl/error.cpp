#include "hull/error.hpp"

#include <cstdint>
#include <cstring>

namespace hull {

namespace {

std::string join_op(std::string_view op, std::string_view arg)
{
    std::string out(op);
    if (!arg.empty()) {
        out += ' ';
        out += arg;
    }
    return out;
}

void put_u32(std::string& out, uint32_t v)
{
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_str(std::string& out, std::string_view s)
{
    put_u32(out, static_cast<uint32_t>(s.size()));
    out.append(s);
}

bool get_u32(std::string_view& in, uint32_t& v)
{
    if (in.size() < sizeof v)
        return false;
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return true;
}

bool get_str(std::string_view& in, std::string& s)
{
    uint32_t n = 0;
    if (!get_u32(in, n) || n > in.size())
        return false;
    s.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
}

} // namespace

Error Error::from_errno(std::string_view op, std::string_view arg)
{
    return from_code(errno, op, arg);
}

Error Error::from_code(int code, std::string_view op, std::string_view arg)
{
    Error e;
    e.m_code = code;
    e.m_op = join_op(op, arg);
    return e;
}

Error Error::message(std::string text)
{
    Error e;
    e.m_op = std::move(text);
    return e;
}

Error& Error::context(std::string frame) &
{
    m_frames.push_back(std::move(frame));
    return *this;
}

Error&& Error::context(std::string frame) &&
{
    m_frames.push_back(std::move(frame));
    return std::move(*this);
}

std::string Error::text() const
{
    std::string out;
    for (auto it = m_frames.rbegin(); it != m_frames.rend(); ++it) {
        out += *it;
        out += ": ";
    }
    out += m_op;
    if (m_code != 0) {
        if (!m_op.empty())
            out += ": ";
        // Go's wording, lower case ("no such file or directory", "permission denied"): the
        // engines match these substrings to map failures to exit codes 126/127 (cli-contract §5).
        std::string reason = std::strerror(m_code);
        if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z')
            reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
        out += reason;
    }
    return out;
}

std::string Error::serialize() const
{
    std::string out;
    put_u32(out, static_cast<uint32_t>(m_code));
    put_str(out, m_op);
    put_u32(out, static_cast<uint32_t>(m_frames.size()));
    for (const auto& f : m_frames)
        put_str(out, f);
    return out;
}

bool Error::deserialize(std::string_view in, Error& out)
{
    uint32_t code = 0, n = 0;
    Error e;
    if (!get_u32(in, code) || !get_str(in, e.m_op) || !get_u32(in, n))
        return false;
    // Each frame needs at least its 4-byte length: bounds the count before any allocation.
    if (n > in.size() / sizeof(uint32_t))
        return false;
    e.m_code = static_cast<int>(code);
    e.m_frames.resize(n);
    for (auto& f : e.m_frames)
        if (!get_str(in, f))
            return false;
    if (!in.empty())
        return false;
    out = std::move(e);
    return true;
}

} // namespace hull
