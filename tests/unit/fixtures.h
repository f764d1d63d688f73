// fixtures.h — where unit tests find the files tests/fixtures/make_fixtures.py made.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ember::testing {

// $EMBER_FIXTURES/<rel>; fails the test (not skips) when the fixture is missing, so a test can
// never pass because nothing ran.
inline std::string fixture(const std::string& rel) {
  const char* dir = std::getenv("EMBER_FIXTURES");
  std::filesystem::path p = std::filesystem::path(dir ? dir : "fixtures") / rel;
  EXPECT_TRUE(std::filesystem::exists(p)) << "missing fixture " << p;
  return p.string();
}

}  // namespace ember::testing
