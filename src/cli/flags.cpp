// The flag engine of the CLI: Go `flag` grammar and urfave v1 reordering (see flags.hpp). Pure:
// no I/O, no process state.
#include "cli/flags.hpp"
#include "hull/text.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace hull::cli {

namespace {

std::vector<std::string> split_names(std::string_view names)
{
    std::vector<std::string> out;
    while (!names.empty()) {
        size_t comma = names.find(',');
        out.emplace_back(names.substr(0, comma));
        if (comma == std::string_view::npos)
            break;
        names.remove_prefix(comma + 1);
    }
    return out;
}

bool is_help_name(std::string_view name)
{
    return name == "help" || name == "h";
}

// A word Go's flag package treats as a flag: a dash followed by something, except `--` alone.
bool looks_like_flag(std::string_view arg)
{
    return arg.size() >= 2 && arg[0] == '-';
}

// "--name=value" -> "name"; the caller has checked looks_like_flag().
std::string_view flag_name(std::string_view arg)
{
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    return arg.substr(0, arg.find('='));
}

Error usage_error(std::string text)
{
    return Error::message(std::move(text));
}

Error invalid_value(std::string_view value, std::string_view name, bool out_of_range)
{
    return usage_error("invalid value " + go_quote(value) + " for flag -" + std::string(name) + ": "
        + (out_of_range ? "value out of range" : "parse error"));
}

// Go's strconv.ParseInt/ParseUint with base 0 (decimal, 0x.., 0.. octal), as IntFlag/UintFlag use.
Result<void> check_number(std::string_view value, std::string_view name, Kind kind, bool narrow)
{
    std::string s(value);
    if (s.empty() || (kind == Kind::Uint && (s[0] == '-' || s[0] == '+')))
        return invalid_value(value, name, false);
    errno = 0;
    char* end = nullptr;
    if (kind == Kind::Uint) {
        unsigned long long v = std::strtoull(s.c_str(), &end, 0);
        if (*end != '\0')
            return invalid_value(value, name, false);
        if (errno == ERANGE || (narrow && v > UINT_MAX))
            return invalid_value(value, name, true);
    } else {
        long long v = std::strtoll(s.c_str(), &end, 0);
        if (*end != '\0')
            return invalid_value(value, name, false);
        if (errno == ERANGE || (narrow && (v > INT_MAX || v < INT_MIN)))
            return invalid_value(value, name, true);
    }
    return ok();
}

} // namespace

std::optional<bool> parse_go_bool(std::string_view s)
{
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True")
        return true;
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
        return false;
    return std::nullopt;
}

bool is_go_duration(std::string_view s)
{
    if (!s.empty() && (s[0] == '+' || s[0] == '-'))
        s.remove_prefix(1);
    if (s == "0")
        return true;
    if (s.empty())
        return false;
    static const std::string_view units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
    while (!s.empty()) {
        size_t digits = 0;
        while (digits < s.size() && ((s[digits] >= '0' && s[digits] <= '9') || s[digits] == '.'))
            ++digits;
        std::string_view number = s.substr(0, digits);
        if (number.empty() || number == "." || number.find('.') != number.rfind('.'))
            return false;
        s.remove_prefix(digits);
        size_t unit_len = 0;
        while (unit_len < s.size() && !(s[unit_len] >= '0' && s[unit_len] <= '9') && s[unit_len] != '.')
            ++unit_len;
        std::string_view unit = s.substr(0, unit_len);
        bool known = false;
        for (std::string_view u : units)
            known = known || unit == u;
        if (!known)
            return false;
        s.remove_prefix(unit_len);
    }
    return true;
}

std::string clean_path(std::string_view path)
{
    bool rooted = !path.empty() && path[0] == '/';
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..")
                parts.pop_back();
            else if (!rooted)
                parts.push_back(part);
            continue;
        }
        parts.push_back(part);
    }
    std::string out = rooted ? "/" : "";
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += '/';
        out += parts[i];
    }
    return out.empty() ? "." : out;
}

std::string absolute_path(std::string_view path, std::string_view cwd)
{
    if (!path.empty() && path[0] == '/')
        return clean_path(path);
    std::string joined(cwd);
    joined += '/';
    joined += path;
    return clean_path(joined);
}

FlagSet::FlagSet()
{
    // Help is a flag of every command, handled by parse() itself.
    add("help,h", Kind::Bool, "show help", Visibility::Shown, std::monostate {});
}

FlagSet::~FlagSet() = default;

void FlagSet::add(std::string_view names, Kind kind, std::string usage, Visibility visibility, Target target)
{
    m_specs.push_back(FlagSpec {split_names(names), kind, std::move(usage), visibility});
    m_targets.push_back(target);
}

void FlagSet::add_bool(std::string_view names, bool& target, std::string usage, Visibility visibility)
{
    add(names, Kind::Bool, std::move(usage), visibility, &target);
}

void FlagSet::add_string(
    std::string_view names, std::string& target, std::string usage, Visibility visibility)
{
    add(names, Kind::String, std::move(usage), visibility, &target);
}

void FlagSet::add_optional(std::string_view names, std::optional<std::string>& target, std::string usage,
    Kind validate, Visibility visibility)
{
    add(names, validate, std::move(usage), visibility, &target);
    m_specs.back().wide = true;
}

void FlagSet::add_duration(std::string_view names, std::string& target, std::string usage)
{
    add(names, Kind::Duration, std::move(usage), Visibility::Shown, &target);
}

void FlagSet::add_list(
    std::string_view names, std::vector<std::string>& target, std::string usage, Visibility visibility)
{
    add(names, Kind::List, std::move(usage), visibility, &target);
}

void FlagSet::add_uint(std::string_view names, unsigned& target, std::string usage, Visibility visibility)
{
    add(names, Kind::Uint, std::move(usage), visibility, &target);
}

void FlagSet::add_int(
    std::string_view names, std::optional<int>& target, std::string usage, Visibility visibility)
{
    add(names, Kind::Int, std::move(usage), visibility, &target);
}

void FlagSet::add_ignored(std::string_view names, Kind kind)
{
    add(names, kind, "ignored", Visibility::Hidden, std::monostate {});
}

const FlagSpec* FlagSet::find(std::string_view name) const
{
    for (const FlagSpec& spec : m_specs)
        for (const std::string& n : spec.names)
            if (n == name)
                return &spec;
    return nullptr;
}

// urfave v1 moves known flags (and the value of a non-boolean one) in front of the positional
// arguments, stopping at `--`. Unknown flags stay where they are: before the first positional
// they fail as undefined, after it they count as positional arguments, as in runc.
std::vector<std::string> FlagSet::reorder_args(const std::vector<std::string>& args) const
{
    std::vector<std::string> flags, rest;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            rest.insert(rest.end(), args.begin() + static_cast<long>(i), args.end());
            break;
        }
        const FlagSpec* spec = looks_like_flag(arg) ? find(flag_name(arg)) : nullptr;
        if (!spec) {
            rest.push_back(arg);
            continue;
        }
        flags.push_back(arg);
        if (spec->kind != Kind::Bool && arg.find('=') == std::string::npos && i + 1 < args.size())
            flags.push_back(args[++i]);
    }
    flags.insert(flags.end(), rest.begin(), rest.end());
    return flags;
}

Result<FlagParse> FlagSet::parse(const std::vector<std::string>& input, Reorder reorder)
{
    const std::vector<std::string> args = reorder == Reorder::Yes ? reorder_args(input) : input;
    FlagParse out;
    // Each occurrence as (index in m_specs, value); a boolean's value is "true" or "false".
    std::vector<std::pair<size_t, std::string>> given;

    size_t i = 0;
    for (; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (!looks_like_flag(arg))
            break;
        if (arg == "--") {
            ++i;
            break;
        }
        std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
        if (body.empty() || body[0] == '-' || body[0] == '=')
            return usage_error("bad flag syntax: " + std::string(arg));
        size_t eq = body.find('=');
        std::string name(body.substr(0, eq));
        std::optional<std::string> value;
        if (eq != std::string_view::npos)
            value = std::string(body.substr(eq + 1));

        const FlagSpec* spec = find(name);
        if (!spec)
            return usage_error("flag provided but not defined: -" + name);

        if (spec->kind == Kind::Bool) {
            bool on = true;
            if (value) {
                std::optional<bool> parsed = parse_go_bool(*value);
                if (!parsed)
                    return usage_error(
                        "invalid boolean value " + go_quote(*value) + " for -" + name + ": parse error");
                on = *parsed;
            }
            if (is_help_name(spec->names[0]))
                out.help = on;
            else
                given.emplace_back(static_cast<size_t>(spec - m_specs.data()), on ? "true" : "false");
            continue;
        }

        if (!value) {
            if (i + 1 >= args.size())
                return usage_error("flag needs an argument: -" + name);
            value = args[++i];
        }
        if (spec->kind == Kind::Uint || spec->kind == Kind::Int) {
            TRY(check_number(*value, name, spec->kind, !spec->wide));
        }
        if (spec->kind == Kind::Duration && !is_go_duration(*value))
            return invalid_value(*value, name, false);
        given.emplace_back(static_cast<size_t>(spec - m_specs.data()), std::move(*value));
    }
    out.positionals.assign(args.begin() + static_cast<long>(i), args.end());
    store(given);
    return out;
}

// The values are checked by parse(): the numbers fit their field and are in Go's base-0 syntax,
// which strtoull and strtoll read the same way.
void FlagSet::store(const std::vector<std::pair<size_t, std::string>>& given)
{
    std::vector<bool> cleared(m_targets.size(), false);
    for (const auto& [index, value] : given) {
        const Target& target = m_targets[index];
        if (bool* const* b = std::get_if<bool*>(&target)) {
            **b = value == "true";
        } else if (std::string* const* str = std::get_if<std::string*>(&target)) {
            **str = value;
        } else if (std::optional<std::string>* const* opt
            = std::get_if<std::optional<std::string>*>(&target)) {
            **opt = value;
        } else if (std::vector<std::string>* const* list = std::get_if<std::vector<std::string>*>(&target)) {
            // A list given on the command line replaces its default.
            if (!cleared[index])
                (*list)->clear();
            cleared[index] = true;
            (*list)->push_back(value);
        } else if (unsigned* const* u = std::get_if<unsigned*>(&target)) {
            **u = static_cast<unsigned>(std::strtoull(value.c_str(), nullptr, 0));
        } else if (std::optional<int>* const* n = std::get_if<std::optional<int>*>(&target)) {
            **n = static_cast<int>(std::strtoll(value.c_str(), nullptr, 0));
        }
    }
}

std::string FlagSet::options_help() const
{
    std::vector<std::pair<std::string, std::string>> rows;
    size_t width = 0;
    for (const FlagSpec& spec : m_specs) {
        if (spec.visibility == Visibility::Hidden)
            continue;
        std::string left;
        for (const std::string& n : spec.names) {
            if (!left.empty())
                left += ", ";
            left += (n.size() == 1 ? "-" : "--") + n;
            if (spec.kind != Kind::Bool)
                left += " value";
        }
        width = std::max(width, left.size());
        rows.emplace_back(std::move(left), spec.usage);
    }
    // The help flag goes last, as urfave lists it.
    if (!rows.empty())
        std::rotate(rows.begin(), rows.begin() + 1, rows.end());
    std::string out;
    for (const auto& [left, usage] : rows)
        out += "   " + left + std::string(width - left.size() + 2, ' ') + usage + "\n";
    return out;
}

} // namespace hull::cli
