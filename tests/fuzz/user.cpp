// exec --user (and process.user by name): resolve_user_spec against the container's passwd and
// group files, which is what resolve_user_in_root does once it has read them. The input is the
// user string, the passwd text and the group text, separated by NUL bytes.
#include "fuzz.hpp"
#include "process/user_spec.hpp"
#include "process/userdb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto parts = fuzz::split(fuzz::text(data, size), '\0');
    parts.resize(3);
    auto user = hull::process::resolve_user_spec(parts[0], parts[1], parts[2]);
    if (user)
        (void)hull::process::find_uid(parts[1], user.value().uid);
    return 0;
}
