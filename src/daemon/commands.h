// Control commands: one line from the control socket ("status", "reload", "explain NAME
// TYPE ...") parsed and dispatched to the daemon.
#pragma once

#include <string>

namespace fz::daemon {

class Daemon;

// The reply text; `ok` is set false when the command failed (the client prints the reply
// to stderr and exits 1).
std::string handle_command(Daemon& daemon, const std::string& line, bool& ok);

}  // namespace fz::daemon
