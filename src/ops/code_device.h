// code_device.h — the device a model's code names, as ember runs it. Models traced or scripted
// on a GPU hard-code torch.device("cuda:0") for the tensors they create; ember computes on the CPU,
// so a CUDA device in code means the CPU, the way torch.jit.load(map_location="cpu") maps the
// storages of such a model (PyTorch itself fails on those lines without a GPU). Other device
// types stay as written, and the ops that receive them reject what is not the CPU.
#pragma once

#include <string_view>

#include "ember/value.h"

namespace ember::ops {

inline Device code_device(Device d) {
  if (d.type == DeviceType::CUDA) return Device{DeviceType::CPU, -1};
  return d;
}

inline Device code_device(std::string_view text) { return code_device(Device::parse(text)); }

}  // namespace ember::ops
