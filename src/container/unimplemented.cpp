// Verbs hull does not implement (checkpoint and restore, which need CRIU): they fail with a
// clear error instead of pretending to work.
#include "container/verbs.hpp"

namespace hull::container {

namespace {

Error not_implemented(const char* verb)
{
    return Error::message(std::string(verb) + ": not implemented yet");
}

} // namespace

Result<int> checkpoint(const GlobalOptions&, const CheckpointOptions&)
{
    return not_implemented("checkpoint");
}
Result<int> restore(const GlobalOptions&, const RestoreOptions&)
{
    return not_implemented("restore");
}

} // namespace hull::container
