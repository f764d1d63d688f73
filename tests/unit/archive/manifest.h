// manifest.h — reads the line-based manifests gen_archive.py writes and checks tensors against
// them (PyTorch's own view of dtype, geometry, bytes and storage sharing).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ember/tensor.h"
#include "sha256.h"

namespace ember::testing {

struct ManifestTensor {
  std::string path, dtype, sizes, strides;
  int64_t offset = 0;
  int group = 0;
  std::string sha;
};

struct Manifest {
  std::vector<ManifestTensor> tensors;
  std::set<std::string> code;
  std::map<std::string, std::string> extra;  // name -> sha256
  int64_t version = -1;
  std::vector<std::vector<std::string>> other;  // lines of other kinds, split
};

inline Manifest read_manifest(const std::string& file) {
  Manifest m;
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << "cannot read " << file;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::vector<std::string> f;
    for (std::string w; ss >> w;) f.push_back(w);
    if (f.empty()) continue;
    if (f[0] == "tensor" && f.size() == 8) {
      // "<root>" names a tensor that is the whole saved object.
      m.tensors.push_back({f[1] == "<root>" ? "" : f[1], f[2], f[3], f[4], std::stoll(f[5]), std::stoi(f[6]), f[7]});
    } else if (f[0] == "code" && f.size() == 2) {
      m.code.insert(f[1]);
    } else if (f[0] == "extra" && f.size() == 3) {
      m.extra[f[1]] = f[2];
    } else if (f[0] == "version" && f.size() == 2) {
      m.version = std::stoll(f[1]);
    } else {
      m.other.push_back(f);
    }
  }
  return m;
}

inline std::string dims_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

inline std::string logical_sha(const Tensor& t) {
  Tensor c = t.contiguous();
  return sha256_hex(c.raw_data(), c.nbytes());
}

// Every manifest tensor is found under its path with PyTorch's dtype, sizes, strides, offset and
// bytes; tensors share a Storage exactly when PyTorch's share one; nothing extra is listed.
inline void expect_tensors_match(const Manifest& m, const std::vector<std::pair<std::string, Tensor>>& got) {
  std::map<std::string, Tensor> by_path;
  for (const auto& [p, t] : got) EXPECT_TRUE(by_path.emplace(p, t).second) << "duplicate path " << p;
  EXPECT_EQ(got.size(), m.tensors.size());
  std::map<int, const Storage*> group_storage;
  std::map<const Storage*, int> storage_group;
  for (const auto& mt : m.tensors) {
    SCOPED_TRACE(mt.path);
    auto it = by_path.find(mt.path);
    if (it == by_path.end()) {
      ADD_FAILURE() << "ember does not list tensor " << mt.path;
      continue;
    }
    const Tensor& t = it->second;
    EXPECT_EQ(std::string(dtype_name(t.dtype())), mt.dtype);
    EXPECT_EQ(dims_string(t.sizes()), mt.sizes);
    EXPECT_EQ(dims_string(t.strides()), mt.strides);
    EXPECT_EQ(t.offset(), mt.offset);
    EXPECT_EQ(logical_sha(t), mt.sha);
    const Storage* s = t.storage().get();
    auto [g, new_group] = group_storage.emplace(mt.group, s);
    EXPECT_EQ(g->second, s) << "PyTorch shares this storage with another tensor; ember does not";
    auto [st, new_storage] = storage_group.emplace(s, mt.group);
    EXPECT_EQ(st->second, mt.group) << "ember shares a storage PyTorch does not";
  }
}

}  // namespace ember::testing
