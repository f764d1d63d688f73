// dump_sources.cpp — writes every CUDA C++ program ember can hand NVRTC (each elementwise row for
// each dtype its meta step lets through, the strided copies between dtypes, the nn program) into
// a folder, one .cu file each, for check_sources.sh to compile without a GPU.
#include <cstdio>
#include <fstream>
#include <string>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/nn.h"
#include "tensor/elementwise_meta.h"
#include "tensor/elementwise_ops.h"

using namespace ember;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dump_sources DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  int n = 0;
  const auto write = [&](const std::string& source) {
    std::ofstream(dir + "/k" + std::to_string(n++) + ".cu") << source;
  };
  const DType types[] = {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64,
                         DType::Int32,   DType::Int16,   DType::Int8,    DType::UInt8,    DType::Bool};
  const auto result = [](ResultKind k, DType t) {
    return k == ResultKind::Bool || k == ResultKind::Logical ? DType::Bool : t;
  };
#define EMBER_DUMP_BINARY(E, ...)                                                              \
  for (DType t : types) {                                                                      \
    const BinaryOpInfo& i = info(BinaryOp::E);                                                 \
    if (loop_categories(i.kind, i.dtypes) & dtype_category(t))                                 \
      write(cuda::binary_source(BinaryOp::E, t, result(i.kind, t)));                           \
  }
#define EMBER_DUMP_UNARY(E, ...)                                                               \
  for (DType t : types) {                                                                      \
    const UnaryOpInfo& i = info(UnaryOp::E);                                                   \
    if (loop_categories(i.kind, i.dtypes) & dtype_category(t))                                 \
      write(cuda::unary_source(UnaryOp::E, t, result(i.kind, t)));                             \
  }
  EMBER_BINARY_OPS(EMBER_DUMP_BINARY)
  EMBER_UNARY_OPS(EMBER_DUMP_UNARY)
  for (DType d : types)
    for (DType s : types) {
      write(cuda::copy_source(d, s, false));
      write(cuda::copy_source(d, s, true));
    }
  write(cuda::nn_source());
  std::printf("%d programs written to %s\n", n, dir.c_str());
  return n > 0 ? 0 : 1;
}
