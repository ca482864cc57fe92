// Verbs whose machinery later work builds (cgroups for ps, pause, resume,
// update and events; CRIU for checkpoint and restore). They fail clearly until then.
#include "container/verbs.hpp"

namespace hull::container {

namespace {

Error not_implemented(const char* verb)
{
    return Error::message(std::string(verb) + ": not implemented yet");
}

} // namespace

Result<int> ps(const GlobalOptions&, const PsOptions&)
{
    return not_implemented("ps");
}
Result<int> pause(const GlobalOptions&, const PauseOptions&)
{
    return not_implemented("pause");
}
Result<int> resume(const GlobalOptions&, const ResumeOptions&)
{
    return not_implemented("resume");
}
Result<int> update(const GlobalOptions&, const UpdateOptions&)
{
    return not_implemented("update");
}
Result<int> events(const GlobalOptions&, const EventsOptions&)
{
    return not_implemented("events");
}
Result<int> checkpoint(const GlobalOptions&, const CheckpointOptions&)
{
    return not_implemented("checkpoint");
}
Result<int> restore(const GlobalOptions&, const RestoreOptions&)
{
    return not_implemented("restore");
}

} // namespace hull::container
