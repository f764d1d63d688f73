// access_log.cpp — JSON-lines logging with UTC timestamps.
#include "access_log.h"

#include <chrono>
#include <ctime>

#include "ember/error.h"

namespace ember::serve {

AccessLog::AccessLog(const std::string& path) {
  if (path == "-") {
    out_ = stderr;
  } else if (path != "off") {
    out_ = std::fopen(path.c_str(), "a");
    if (!out_) fail("cannot open the access log ", path);
    owned_ = true;
  }
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(out_);
}

void AccessLog::write(nlohmann::json entry) {
  if (!out_) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  nlohmann::json line = {{"time", stamp}};
  line.update(entry);
  // Invalid UTF-8 from a client (a path, a model name) is replaced, never echoed raw.
  std::string text = line.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace ember::serve
