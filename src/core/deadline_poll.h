// deadline_poll.h — the interpreter's cheap test for an active ember::Deadline on this thread.
#pragma once

#include "ember/deadline.h"

namespace ember {

extern thread_local const Deadline* active_deadline;

// One thread-local load when no deadline is set; a clock read and the checks when one is.
inline void poll_deadline() {
  if (active_deadline) Deadline::check();
}

}  // namespace ember
