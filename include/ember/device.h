// ember/device.h — where a tensor's bytes live.
//
// Every Storage (and so every Tensor) has a Device. The CPU is always there; other device types
// are backed by a backend that registers itself at run time (src/tensor/device_memory.h), so one
// build of ember serves machines with and without a GPU. The names and the "type:index" spelling
// are PyTorch's (torch.device).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1, Meta = 2, MPS = 3, XPU = 4 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // -1: no index given
  // Parses "cpu", "cuda", "cuda:1", "meta", ...; fails with ember::Error on anything else.
  static Device parse(std::string_view text);
  std::string str() const;  // "cpu", "cuda:0"
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool operator==(const Device&) const = default;
};

// The device type's name as PyTorch spells it ("cpu", "cuda", ...).
std::string_view device_type_name(DeviceType type);

}  // namespace ember
