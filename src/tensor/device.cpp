// device.cpp — device names, and the table of backends' device memory.
#include <array>
#include <atomic>
#include <charconv>

#include "ember/device.h"
#include "ember/error.h"
#include "tensor/device_memory.h"

namespace ember {

Device Device::parse(std::string_view text) {
  Device d;
  std::string_view kind = text;
  size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    kind = text.substr(0, colon);
    std::string_view idx = text.substr(colon + 1);
    int v = 0;
    auto [p, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), v);
    if (ec != std::errc() || p != idx.data() + idx.size() || v < 0)
      fail("invalid device string '", text, "'");
    d.index = v;
  }
  if (kind == "cpu") d.type = DeviceType::CPU;
  else if (kind == "cuda") d.type = DeviceType::CUDA;
  else if (kind == "meta") d.type = DeviceType::Meta;
  else if (kind == "mps") d.type = DeviceType::MPS;
  else if (kind == "xpu") d.type = DeviceType::XPU;
  else fail("unknown device type '", kind, "' in device string '", text, "'");
  return d;
}

std::string Device::str() const {
  std::string s(device_type_name(type));
  if (index >= 0) s += ":" + std::to_string(index);
  return s;
}

std::string_view device_type_name(DeviceType type) {
  switch (type) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return "cuda";
    case DeviceType::Meta: return "meta";
    case DeviceType::MPS: return "mps";
    case DeviceType::XPU: return "xpu";
  }
  return "?";
}

namespace {
constexpr size_t kDeviceTypes = 5;
std::array<std::atomic<DeviceMemory*>, kDeviceTypes>& memories() {
  static std::array<std::atomic<DeviceMemory*>, kDeviceTypes> table{};
  return table;
}
size_t slot(DeviceType type) {
  const auto i = static_cast<size_t>(type);
  if (i >= kDeviceTypes) fail("unknown device type ", static_cast<int>(type));
  return i;
}
}  // namespace

void register_device_memory(DeviceType type, DeviceMemory* memory) {
  if (type == DeviceType::CPU) fail("the CPU's memory is built in; it cannot be replaced");
  memories()[slot(type)].store(memory);
}

DeviceMemory* find_device_memory(DeviceType type) {
  if (type == DeviceType::CPU) return nullptr;
  return memories()[slot(type)].load();
}

DeviceMemory& device_memory(Device device) {
  DeviceMemory* m = find_device_memory(device.type);
  if (!m) {
    if (device.type == DeviceType::CPU) fail("internal: the CPU has no DeviceMemory");
    fail("tensors on ", device.str(), " need ember's ", device_type_name(device.type),
         " backend, which is not available in this process");
  }
  return *m;
}

Device resolve_device(Device device) {
  if (device.type == DeviceType::CPU) return Device{};
  if (device.index < 0) device.index = device_memory(device).default_index();
  return device;
}

}  // namespace ember
