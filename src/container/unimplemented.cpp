// Verbs whose machinery later work builds (CRIU for checkpoint and restore). They fail
// clearly until then.
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
