// Finding a container and its bundle: where the state lives, opening a container's directory
// and record, reading a bundle's config.json.
#pragma once

#include "container/options.hpp"
#include "container/state_store.hpp"
#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <string>

namespace hull::container {

std::string state_root(const GlobalOptions& global);

// An existing container: its locked (or not) directory, record and live status.
struct Loaded {
    StateDir dir;
    ContainerRecord record;
    Status status;
};
enum class Lock { Exclusive, None };
Result<Loaded> load_container(const GlobalOptions& global, const std::string& id, Lock lock);
// The record and live status of an opened directory ("container does not exist" without
// state.json).
Result<Loaded> load_record(StateDir dir);

// Reads <bundle>/config.json: the text and the validated spec.
struct BundleConfig {
    std::string text;
    oci::Spec spec;
};
Result<BundleConfig> read_bundle_config(const std::string& bundle);

// Makes `path` absolute against the current directory.
std::string absolute_path(const std::string& path);

} // namespace hull::container
