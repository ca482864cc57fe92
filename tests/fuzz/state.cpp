// <root>/<id>/state.json as every verb after create loads it (StateDir::read_record ends in
// record_from_json), and the runtime-spec state `hull state` prints (parse_state). A record that
// loads must survive being written back and loaded again: create writes what the others read.
#include "hull/oci/state.hpp"
#include "container/state_store.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view text = fuzz::text(data, size);
    if (auto record = hull::container::record_from_json(text))
        fuzz::check(hull::container::record_from_json(hull::container::record_to_json(record.value())).ok());
    if (auto state = hull::oci::parse_state(text)) {
        auto again = hull::oci::parse_state(hull::oci::state_to_json(state.value()));
        fuzz::check(again.ok());
    }
    return 0;
}
