// deadline.cpp — ember::Deadline: per-thread run deadlines and cancel flags.
#include "ember/deadline.h"

#include <sstream>

#include "core/deadline_poll.h"

namespace ember {

thread_local const Deadline* active_deadline = nullptr;

struct DeadlineAccess {
  static const Deadline* outer(const Deadline& d) { return d.outer_; }
  static void check_one(const Deadline& d, std::chrono::steady_clock::time_point now) {
    if (d.cancel_ && d.cancel_->load(std::memory_order_relaxed)) throw Cancelled("run cancelled");
    if (d.timed_ && now >= d.until_) {
      std::ostringstream s;
      s << "run stopped: it passed its deadline of " << d.seconds_ << " s";
      throw Cancelled(s.str());
    }
  }
};

Deadline::Deadline(std::chrono::nanoseconds timeout, const std::atomic<bool>* cancel)
    : until_(std::chrono::steady_clock::now() + timeout),
      timed_(timeout.count() > 0 || cancel == nullptr),
      cancel_(cancel),
      outer_(const_cast<Deadline*>(active_deadline)),
      seconds_(std::chrono::duration<double>(timeout).count()) {
  active_deadline = this;
}

Deadline::~Deadline() { active_deadline = outer_; }

void Deadline::check() {
  const Deadline* d = active_deadline;
  if (!d) return;
  const auto now = std::chrono::steady_clock::now();
  for (; d; d = DeadlineAccess::outer(*d)) DeadlineAccess::check_one(*d, now);
}

}  // namespace ember
