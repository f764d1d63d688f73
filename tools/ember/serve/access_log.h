// access_log.h — structured (one JSON object a line) server and access logs.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace ember::serve {

class AccessLog {
 public:
  // `path`: "-" for stderr, "off" for none, else a file appended to.
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  // Writes `entry` with a "time" field (UTC, ISO 8601 with milliseconds) added first.
  void write(nlohmann::json entry);

 private:
  std::mutex mutex_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
};

}  // namespace ember::serve
