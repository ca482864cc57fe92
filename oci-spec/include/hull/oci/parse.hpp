// Reading, checking and writing config.json and process.json, and the default spec of `hull spec`.
//
// Pure functions over text: callers read the file and pass its contents. Every error names
// the document and the JSON pointer of the offending value, for example
//   config.json: /linux/namespaces/2/type: unknown namespace type "pidd"
// Nothing here throws.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hull::oci {

// The range of config.json versions hull accepts (pre-release suffixes of versions inside the
// range, such as "1.0.2-dev" or "1.1.0-rc.1", are accepted too).
inline constexpr std::string_view oci_version_min = "1.0.0";
inline constexpr std::string_view oci_version_max = "1.3.0";
// The version hull writes in `hull spec`, `state` and `features` output.
inline constexpr std::string_view oci_version = "1.3.0";

// The largest config.json hull accepts: far above any real one (Kubernetes caps a pod's
// annotations at 256 KiB and a whole object at about 1.5 MiB), and the bound from which the
// runtime sizes what it passes on, such as the state JSON its hooks get (process/protocol.hpp).
inline constexpr size_t kMaxConfigSize = 16 * 1024 * 1024;

// Parses and validates a bundle's config.json; only a spec that passes validate() is returned.
// Unknown fields and annotations are accepted, as the spec requires. A text longer than
// kMaxConfigSize is refused.
Result<Spec> parse_config(std::string_view json);

// Parses exec's --process file, with runc's checks: args non-empty, cwd non-empty and absolute,
// plus the process checks of validate(). Errors read "process.json: /pointer: reason".
Result<Process> parse_process(std::string_view json);

// Parses `update --resources` input (a config-linux.md "resources" object).
// Errors read "resources: /pointer: reason".
Result<Resources> parse_resources(std::string_view json);

// Checks every MUST of runtime-spec config.md and config-linux.md that hull relies on when
// creating a container. Errors read "/pointer: reason" (parse_config adds "config.json: ").
Result<void> validate(const Spec& spec);
// The namespace that scopes a sysctl key (runc's rules: ipc keys and fs.mqueue.*, net.*,
// kernel.hostname/domainname, user.*), or nullopt for a key no namespace scopes.
std::optional<NamespaceType> sysctl_namespace(std::string_view key);

// The process part of validate(); pointers are relative to the process object ("/cwd").
Result<void> validate_process(const Process& process);

// `hull spec` output: tab-indented, fields in the Go struct order of runtime-spec's specs-go,
// empty fields left out as Go's omitempty does, no trailing newline.
std::string to_json(const Spec& spec);
// linux.resources alone, encoded as to_json does (compact: for code that reads it back).
std::string resources_to_json(const Resources& resources);

// runc's `runc spec` example with hostname "hull" and ociVersion oci_version.
Spec default_spec();
// default_spec() made rootless as `runc spec --rootless` does: no network namespace, a user
// namespace mapping container root to the given host ids, /sys bind-mounted, no uid=/gid=
// mount options, no resources.
Spec rootless_spec(uint32_t host_uid, uint32_t host_gid);
// The same for the calling process's effective uid and gid.
Spec rootless_spec();

} // namespace hull::oci
