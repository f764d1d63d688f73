// ember/deadline.h — bounding how long model code may run.
//
// A model's code can loop without end (`while True`, `range(2**63-1)`). A server bounds a call
// with a Deadline on the calling thread:
//
//   ember::Deadline limit(std::chrono::seconds(2));           // or with a cancel flag
//   ember::Value y = model.forward({x});                       // throws ember::Cancelled after 2 s
//
// The interpreter checks the deadline and the flag at every loop back-edge and every call, so a
// runaway model stops within a few milliseconds of either; a single long kernel finishes first.
// Deadlines nest (the earliest wins) and belong to the thread that created them.
#pragma once

#include <atomic>
#include <chrono>

#include "ember/error.h"

namespace ember {

// Thrown when a run passes its deadline or is cancelled.
class Cancelled : public Error {
 public:
  using Error::Error;
};

class Deadline {
 public:
  // `timeout` from now; a null `cancel` means no flag. A zero or negative timeout with a flag
  // means no time limit, only the flag.
  explicit Deadline(std::chrono::nanoseconds timeout, const std::atomic<bool>* cancel = nullptr);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Throws Cancelled when this thread's innermost deadlines have passed or a flag is set; the
  // interpreter calls it, and long-running custom code may too.
  static void check();

 private:
  std::chrono::steady_clock::time_point until_;
  bool timed_;
  const std::atomic<bool>* cancel_;
  Deadline* outer_;
  double seconds_;
  friend struct DeadlineAccess;
};

}  // namespace ember
