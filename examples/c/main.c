/* The C API from plain C: load a model, list its methods and their arguments, run forward on an
 * 8x8 image read from a raw 8-bit file, print the scores.
 *   classify_c MODEL.pt IMAGE.u8 */
#include <ember/ember_c.h>
#include <stdio.h>

static int check(ember_status s, const char* what) {
  if (s != EMBER_OK) fprintf(stderr, "%s failed (%d): %s\n", what, (int)s, ember_last_error());
  return s == EMBER_OK;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.pt IMAGE.u8\n", argv[0]);
    return 2;
  }
  unsigned char pixels[64];
  FILE* f = fopen(argv[2], "rb");
  if (!f || fread(pixels, 1, 64, f) != 64) {
    fprintf(stderr, "cannot read 64 pixels from %s\n", argv[2]);
    return 2;
  }
  fclose(f);

  ember_module* m = NULL;
  if (!check(ember_load(argv[1], &m), "ember_load")) return 1;
  size_t n_methods = 0;
  ember_module_method_count(m, &n_methods);
  for (size_t i = 0; i < n_methods; ++i) {
    const char *name, *sig, *ret;
    size_t n_args = 0;
    ember_module_method_name(m, i, &name);
    ember_module_method_signature(m, name, &sig);
    ember_module_argument_count(m, name, &n_args);
    ember_module_return_type(m, name, &ret);
    printf("method %s: %s\n", name, sig);
    for (size_t a = 0; a < n_args; ++a) {
      const char *arg, *type;
      int has_default;
      ember_module_argument(m, name, a, &arg, &type, &has_default);
      printf("  argument %s: %s%s\n", arg, type, has_default ? " (has a default)" : "");
    }
    printf("  returns %s\n", ret);
  }

  float x[64];
  for (int i = 0; i < 64; ++i) x[i] = pixels[i] / 255.0f;
  const int64_t shape[4] = {1, 1, 8, 8};
  ember_value *input = NULL, *output = NULL;
  int ok = check(ember_tensor_new(EMBER_FLOAT32, shape, 4, x, &input), "ember_tensor_new") &&
           check(ember_module_run(m, "forward", &input, 1, &output), "ember_module_run");
  if (ok) {
    const int64_t* sizes;
    size_t ndim;
    const float* scores;
    ember_dtype dtype;
    ok = check(ember_tensor_dtype(output, &dtype), "ember_tensor_dtype") && dtype == EMBER_FLOAT32 &&
         check(ember_tensor_shape(output, &sizes, &ndim), "ember_tensor_shape") &&
         check(ember_tensor_data(output, (const void**)&scores, NULL), "ember_tensor_data");
    if (ok) {
      int best = 0;
      for (int64_t i = 0; i < sizes[ndim - 1]; ++i) {
        printf("class %d: %.6f\n", (int)i, scores[i]);
        if (scores[i] > scores[best]) best = (int)i;
      }
      printf("predicted digit: %d\n", best);
    }
  }
  /* Errors are codes and messages, never crashes: a method that does not exist. */
  ember_value* none = NULL;
  if (ember_module_run(m, "no_such_method", &input, 1, &none) != EMBER_ERROR) ok = 0;
  printf("error example: %s\n", ember_last_error());
  ember_value_free(output);
  ember_value_free(input);
  ember_module_free(m);
  return ok ? 0 : 1;
}
