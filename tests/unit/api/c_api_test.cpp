// The C API (ember/ember_c.h): a model with a rich signature run through it, values built and read
// back, and its errors as codes plus messages (never an exception or a crash).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "../fixtures.h"
#include "ember/ember.h"
#include "ember/ember_c.h"

namespace {

TEST(CApi, InspectAndRun) {
  ember_module* m = nullptr;
  ASSERT_EQ(ember_load(ember::testing::fixture("api/control.pt").c_str(), &m), EMBER_OK) << ember_last_error();
  size_t n = 0;
  ASSERT_EQ(ember_module_method_count(m, &n), EMBER_OK);
  ASSERT_GE(n, 2u);
  const char* name = nullptr;
  ASSERT_EQ(ember_module_method_name(m, 0, &name), EMBER_OK);
  EXPECT_STREQ(name, "forward");
  size_t n_args = 0;
  ASSERT_EQ(ember_module_argument_count(m, "forward", &n_args), EMBER_OK);
  EXPECT_EQ(n_args, 4u);
  const char *arg, *type;
  int has_default = -1;
  ASSERT_EQ(ember_module_argument(m, "forward", 2, &arg, &type, &has_default), EMBER_OK);
  EXPECT_STREQ(arg, "extra");
  EXPECT_STREQ(type, "List[Tensor]");
  EXPECT_EQ(has_default, 0);
  ASSERT_EQ(ember_module_argument(m, "forward", 3, &arg, &type, &has_default), EMBER_OK);
  EXPECT_STREQ(type, "Optional[Tensor]");
  EXPECT_EQ(has_default, 1);
  const char* ret;
  ASSERT_EQ(ember_module_return_type(m, "forward", &ret), EMBER_OK);
  EXPECT_STREQ(ret, "Tuple[Tensor, Dict[str, Tensor]]");
  ASSERT_EQ(ember_module_set_training(m, 0), EMBER_OK);

  // Same call through the C++ API as the reference.
  ember::Module cpp = ember::load(ember::testing::fixture("api/control.pt"));
  cpp.eval();
  float xs[8] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f};
  int64_t shape[2] = {2, 4};
  ember_value* x = nullptr;
  ASSERT_EQ(ember_tensor_new(EMBER_FLOAT32, shape, 2, xs, &x), EMBER_OK);
  ember_value* k = ember_value_int(2);
  ember_value* empty = nullptr;
  ASSERT_EQ(ember_value_list(nullptr, 0, &empty), EMBER_OK);
  ember_value* inputs[3] = {x, k, empty};
  ember_value* out = nullptr;
  // An empty list (no element type) passes for List[Tensor]; an int does not.
  ASSERT_EQ(ember_module_run(m, "forward", inputs, 3, &out), EMBER_OK) << ember_last_error();
  ember_value_free(out);
  inputs[2] = k;
  EXPECT_EQ(ember_module_run(m, "forward", inputs, 3, &out), EMBER_ERROR);
  EXPECT_NE(std::string(ember_last_error()).find("extra"), std::string::npos) << ember_last_error();
  ember_value* e1 = nullptr;
  float ones[6] = {1, 1, 1, 1, 1, 1};
  int64_t s23[2] = {2, 3};
  ASSERT_EQ(ember_tensor_new(EMBER_FLOAT32, s23, 2, ones, &e1), EMBER_OK);
  ember_value* extra = nullptr;
  ASSERT_EQ(ember_value_list(&e1, 1, &extra), EMBER_OK);
  inputs[2] = extra;
  ASSERT_EQ(ember_module_run(m, "forward", inputs, 3, &out), EMBER_OK) << ember_last_error();
  EXPECT_EQ(ember_value_kind(out), EMBER_KIND_TUPLE);
  size_t len = 0;
  ASSERT_EQ(ember_value_len(out, &len), EMBER_OK);
  EXPECT_EQ(len, 2u);
  ember_value *h = nullptr, *d = nullptr, *idx = nullptr, *key = nullptr;
  ASSERT_EQ(ember_value_item(out, 0, &h), EMBER_OK);
  ASSERT_EQ(ember_value_item(out, 1, &d), EMBER_OK);
  EXPECT_EQ(ember_value_kind(d), EMBER_KIND_DICT);
  ASSERT_EQ(ember_value_dict_get(d, "indices", &idx), EMBER_OK);
  ASSERT_EQ(ember_value_dict_key(d, 0, &key), EMBER_OK);
  const char* key_str;
  ASSERT_EQ(ember_value_get_string(key, &key_str), EMBER_OK);
  EXPECT_STREQ(key_str, "values");
  ember_dtype dt;
  ASSERT_EQ(ember_tensor_dtype(idx, &dt), EMBER_OK);
  EXPECT_EQ(dt, EMBER_INT64);

  ember::Tensor xt = ember::Tensor::from_blob(xs, {2, 4}, ember::DType::Float32);
  ember::Value want = cpp.forward({xt, 2, ember::list_value(std::vector<ember::Tensor>{ember::ones({2, 3})})});
  ember::Tensor want_h = ember::tuple_at(want, 0).to_tensor();
  const int64_t* sizes;
  size_t ndim;
  ASSERT_EQ(ember_tensor_shape(h, &sizes, &ndim), EMBER_OK);
  ASSERT_EQ(ndim, 2u);
  EXPECT_EQ(sizes[0], 2);
  EXPECT_EQ(sizes[1], 3);
  const void* data;
  size_t nbytes;
  ASSERT_EQ(ember_tensor_data(h, &data, &nbytes), EMBER_OK);
  ASSERT_EQ(nbytes, 6 * sizeof(float));
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(static_cast<const float*>(data)[i], want_h.contiguous().data<float>()[i]);

  // Errors: codes and messages.
  int64_t iv;
  EXPECT_EQ(ember_value_get_int(h, &iv), EMBER_WRONG_KIND);
  EXPECT_NE(std::string(ember_last_error()).find("expected int"), std::string::npos);
  ember_value* missing = nullptr;
  EXPECT_EQ(ember_value_dict_get(d, "nope", &missing), EMBER_ERROR);
  EXPECT_NE(std::string(ember_last_error()).find("not found"), std::string::npos);
  EXPECT_EQ(ember_value_item(out, 5, &missing), EMBER_INVALID_ARGUMENT);
  EXPECT_EQ(ember_module_argument(m, "forward", 9, &arg, &type, nullptr), EMBER_INVALID_ARGUMENT);
  EXPECT_EQ(ember_module_method_signature(m, "nope", &ret), EMBER_ERROR);
  EXPECT_EQ(ember_module_run(m, "forward", nullptr, 1, &out), EMBER_INVALID_ARGUMENT);
  EXPECT_EQ(ember_tensor_new(static_cast<ember_dtype>(42), shape, 2, xs, &missing), EMBER_INVALID_ARGUMENT);
  EXPECT_EQ(ember_tensor_new(EMBER_FLOAT32, shape, 2, nullptr, &missing), EMBER_INVALID_ARGUMENT);
  int64_t negative[1] = {-1};
  EXPECT_EQ(ember_tensor_new(EMBER_FLOAT32, negative, 1, xs, &missing), EMBER_ERROR);
  ember_module* bad = nullptr;
  EXPECT_EQ(ember_load("/nonexistent.pt", &bad), EMBER_ERROR);
  EXPECT_EQ(bad, nullptr);
  EXPECT_NE(std::string(ember_last_error()).find("/nonexistent.pt"), std::string::npos);
  EXPECT_EQ(ember_load(nullptr, &bad), EMBER_INVALID_ARGUMENT);
  EXPECT_EQ(ember_set_num_threads(0), EMBER_ERROR);
  EXPECT_EQ(ember_api_version(), EMBER_C_API_VERSION);

  for (ember_value* v : {x, k, empty, e1, extra, out, h, d, idx, key}) ember_value_free(v);
  ember_module_free(m);
}

}  // namespace
