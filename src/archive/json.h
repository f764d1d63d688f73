// json.h — a small, bounded JSON reader for the model.json of PyTorch 1.0-1.2 archives.
//
// The input is hostile: nesting depth, string length, element count and the input size are
// bounded, every error is an ember::Error naming the byte offset, and nothing is recursive beyond
// the depth bound. Numbers keep their text (protobuf's JSON prints int64 as strings or numbers;
// the caller reads either through as_int64). Object members keep their order; duplicate keys are
// an error (protobuf's parser rejects them too).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::archive {

struct JsonLimits {
  size_t max_depth = 256;            // arrays and objects nested inside each other
  size_t max_values = size_t{1} << 22;  // values in the whole document
  size_t max_input = size_t{64} << 20;  // bytes
};

struct JsonMember;

struct Json {
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // String: the decoded UTF-8; Number: the number as written
  std::vector<Json> items;                             // Array
  std::vector<JsonMember> members;                     // Object, in document order

  // The member named `key` of an object; null when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  const char* kind_name() const;
};

struct JsonMember {
  std::string key;
  Json value;
};

// Parses `text` as one JSON document (RFC 8259; leading and trailing whitespace allowed). Fails
// with "<label>: <problem> at byte N".
Json parse_json(std::string_view text, const std::string& label, const JsonLimits& limits = {});

}  // namespace ember::archive
