// all_ops.cpp — the one list of op families registered into the global registry.
//
// Each family lives in its own file and exposes `void register_<family>_ops(Registry&)`; adding a
// family means adding one declaration and one call here. Explicit calls (not static initializers)
// keep registration working when ember is linked statically.
#include "ops/registry.h"

namespace ember::ops {

void register_scalar_ops(Registry& r);
void register_list_ops(Registry& r);
void register_dict_ops(Registry& r);
void register_str_ops(Registry& r);
void register_meta_ops(Registry& r);
void register_elementwise_ops(Registry& r);
void register_shape_ops(Registry& r);
void register_reduce_ops(Registry& r);
void register_index_ops(Registry& r);
void register_nn_ops(Registry& r);
void register_creation_ops(Registry& r);
void register_sort_ops(Registry& r);
void register_extra_ops(Registry& r);
void register_rnn_ops(Registry& r);
void register_attention_ops(Registry& r);
void register_torchvision_ops(Registry& r);
void register_random_ops(Registry& r);
void register_loss_ops(Registry& r);
void register_misc_ops(Registry& r);
void register_ember_ops(Registry& r);
void register_prepacked_ops(Registry& r);
void register_legacy_ops(Registry& r);
void register_recent_ops(Registry& r);
void register_spectral_ops(Registry& r);
void register_aten_extra_ops(Registry& r);
void register_quantized_ops(Registry& r);
void register_fake_quantize_ops(Registry& r);
void prepare_conv_ops(Registry& r);
void register_cuda_ops(Registry& r);

void register_all_ops(Registry& r) {
  register_scalar_ops(r);
  register_list_ops(r);
  register_dict_ops(r);
  register_str_ops(r);
  register_meta_ops(r);
  register_elementwise_ops(r);
  register_shape_ops(r);
  register_reduce_ops(r);
  register_index_ops(r);
  register_nn_ops(r);
  register_creation_ops(r);
  register_sort_ops(r);
  register_extra_ops(r);
  register_rnn_ops(r);
  register_attention_ops(r);
  register_torchvision_ops(r);
  register_random_ops(r);
  register_loss_ops(r);
  register_misc_ops(r);
  register_ember_ops(r);
  register_prepacked_ops(r);
  register_legacy_ops(r);
  register_recent_ops(r);
  register_spectral_ops(r);
  register_aten_extra_ops(r);  // after recent: allclose reuses isclose, aliases reuse kernels above
  register_fake_quantize_ops(r);
  register_quantized_ops(r);  // extends aten ops declared above to quantized tensors
  prepare_conv_ops(r);        // after every family that declares or wraps a convolution
  register_cuda_ops(r);       // CUDA paths of ops registered above
}

}  // namespace ember::ops
