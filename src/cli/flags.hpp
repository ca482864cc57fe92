// The flag engine of the CLI: Go `flag` grammar, as urfave/cli v1 applies it for runc. Runs in the
// hull process before anything else, with no privilege and no side effects.
//
// A FlagSet knows one command's flags. Each add_*() records the flag in a table (names, kind,
// usage) with the request field it fills. parse() then does what Go's flag package and urfave's
// argument reordering do:
//   - `-name` and `--name` are the same, `-name=value` and `-name value` too, a bare `-` is a value;
//   - booleans are bare or take `=true`/`=false` (and the other strconv.ParseBool spellings);
//   - known flags after positional arguments move to the front, until `--` (unless the command
//     passes its trailing arguments through untouched, as exec and ps do);
//   - errors use Go's wording: `flag provided but not defined: -x`, `flag needs an argument: -x`.
// Values are stored only once the whole command line has parsed: the last occurrence of a flag
// wins, a list flag collects every occurrence.
#pragma once

#include "hull/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hull::cli {

enum class Kind { Bool, String, List, Uint, Int, Duration };

// Whether trailing arguments after the first positional are reordered (urfave's SkipArgReorder).
enum class Reorder { Yes, No };

// Hidden flags are accepted but left out of the help text.
enum class Visibility { Shown, Hidden };

struct FlagSpec {
    std::vector<std::string> names; // the long name first, then aliases ("bundle", "b")
    Kind kind = Kind::String;
    std::string usage;
    Visibility visibility = Visibility::Shown;
    bool wide = false; // a number kept as text: checked against 64 bits instead of int
};

struct FlagParse {
    bool help = false; // -h/--help was given (and not set to false)
    std::vector<std::string> positionals; // everything from the first non-flag argument on
};

class FlagSet {
public:
    FlagSet();
    ~FlagSet();
    FlagSet(const FlagSet&) = delete;
    FlagSet& operator=(const FlagSet&) = delete;

    // `names` is comma-separated, the long name first: "bundle,b".
    void add_bool(
        std::string_view names, bool& target, std::string usage, Visibility visibility = Visibility::Shown);
    void add_string(std::string_view names, std::string& target, std::string usage,
        Visibility visibility = Visibility::Shown);
    // A Go DurationFlag, checked for Go's syntax and kept as text.
    void add_duration(std::string_view names, std::string& target, std::string usage);
    // A string flag stored only when given. `validate` may be Kind::Int for Go IntFlags kept as text.
    void add_optional(std::string_view names, std::optional<std::string>& target, std::string usage,
        Kind validate = Kind::String, Visibility visibility = Visibility::Shown);
    void add_list(std::string_view names, std::vector<std::string>& target, std::string usage,
        Visibility visibility = Visibility::Shown);
    void add_uint(std::string_view names, unsigned& target, std::string usage,
        Visibility visibility = Visibility::Shown);
    void add_int(std::string_view names, std::optional<int>& target, std::string usage,
        Visibility visibility = Visibility::Shown);
    // A flag clients send that hull accepts and drops (always hidden).
    void add_ignored(std::string_view names, Kind kind);

    const FlagSpec* find(std::string_view name) const;
    const std::vector<FlagSpec>& specs() const { return m_specs; }

    // Parses `args` (the words after the command name). On a usage error the Error's text is the
    // Go-flag message, for example `flag needs an argument: -lsm-mount-context`.
    Result<FlagParse> parse(const std::vector<std::string>& args, Reorder reorder);

    // The "OPTIONS:" lines of the help text, urfave style.
    std::string options_help() const;

private:
    // The request field a flag fills; none for -h/--help and the ignored flags.
    using Target = std::variant<std::monostate, bool*, std::string*, std::optional<std::string>*,
        std::vector<std::string>*, unsigned*, std::optional<int>*>;

    void add(std::string_view names, Kind kind, std::string usage, Visibility visibility, Target target);
    std::vector<std::string> reorder_args(const std::vector<std::string>& args) const;
    void store(const std::vector<std::pair<size_t, std::string>>& given);

    std::vector<FlagSpec> m_specs;
    std::vector<Target> m_targets; // one per m_specs entry
};

// Go's strconv.ParseBool spellings.
std::optional<bool> parse_go_bool(std::string_view s);
// Go's time.ParseDuration syntax ("5s", "1m30s", "250ms"), without range checks.
bool is_go_duration(std::string_view s);
// Go's filepath.Abs: `path` joined to `cwd` when relative, then cleaned lexically.
std::string absolute_path(std::string_view path, std::string_view cwd);
// Go's filepath.Clean.
std::string clean_path(std::string_view path);

} // namespace hull::cli
