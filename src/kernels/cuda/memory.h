// memory.h — device memory on NVIDIA GPUs through the driver API (driver.h), as the tensor
// layer's DeviceMemory for DeviceType::CUDA. Each device's primary context is made current on the
// calling thread before every driver call. Freed blocks are cached by size and reused (see
// memory.cpp); copies are synchronous.
#pragma once

#include <string>

#include "ember/device.h"

namespace ember::cuda {

// Registers CUDA device memory with the tensor layer once the driver loads (idempotent). Returns
// false, with the reason in `why`, when it cannot: no driver, no device. Load calls it for a
// model placed on a CUDA device.
bool register_memory(std::string* why);

// Makes the device's primary context current on this thread (retained on first use).
void make_current(Device device);

}  // namespace ember::cuda
