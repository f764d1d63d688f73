/* ember/ember_c.h — the C API: load a TorchScript model, inspect its methods, run it.
 *
 * Plain C (C99) with opaque handles, so any language with a C foreign-function interface (Python's
 * ctypes, Go's cgo, Rust, C#, Java's FFM) can bind libember without C++. Nothing C++ crosses it:
 * no exceptions, no std types. Every function that can fail returns an ember_status; on failure
 * ember_last_error() gives the message (for the calling thread, until its next failing call).
 *
 *   ember_module* m;
 *   if (ember_load("model.pt", &m) != EMBER_OK) { fprintf(stderr, "%s\n", ember_last_error()); ... }
 *   int64_t shape[4] = {1, 3, 224, 224};
 *   ember_value* x;
 *   ember_tensor_new(EMBER_FLOAT32, shape, 4, pixels, &x);            (copies pixels)
 *   ember_value* y;
 *   ember_module_run(m, "forward", &x, 1, &y);
 *   const float* scores; size_t nbytes;
 *   ember_tensor_data(y, (const void**)&scores, &nbytes);              (valid while y lives)
 *   ember_value_free(y); ember_value_free(x); ember_module_free(m);
 *
 * Values (ember_value) hold any TorchScript value: tensors, None, bool, int, float, str, and lists,
 * tuples and dicts of them. Every ember_value* a function hands out is the caller's to free with
 * ember_value_free. Strings returned as const char* stay valid as long as the handle they came from.
 * A module may be run from several threads at once; a value handle is not to be shared between
 * threads while one of them frees it.
 */
#ifndef EMBER_EMBER_C_H
#define EMBER_EMBER_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMBER_C_API_VERSION 1

typedef enum ember_status {
  EMBER_OK = 0,
  EMBER_ERROR = 1,           /* the model or the call was rejected: see ember_last_error() */
  EMBER_INVALID_ARGUMENT = 2, /* a null pointer, an unknown dtype, an index out of range */
  EMBER_WRONG_KIND = 3        /* the value is not of the kind asked for (tensor, int, ...) */
} ember_status;

/* Element types, numbered as PyTorch's ScalarType (the numbers serialized TorchScript uses). */
typedef enum ember_dtype {
  EMBER_UINT8 = 0,
  EMBER_INT8 = 1,
  EMBER_INT16 = 2,
  EMBER_INT32 = 3,
  EMBER_INT64 = 4,
  EMBER_FLOAT16 = 5,
  EMBER_FLOAT32 = 6,
  EMBER_FLOAT64 = 7,
  EMBER_COMPLEX64 = 9,
  EMBER_COMPLEX128 = 10,
  EMBER_BOOL = 11,
  EMBER_BFLOAT16 = 15,
  /* Not a dtype: makes every int a valid ember_dtype, so a C caller's out-of-range number is an
     EMBER_INVALID_ARGUMENT, not undefined behaviour when the C++ side reads it. */
  EMBER_DTYPE_MAX_ENUM_ = 0x7fffffff
} ember_dtype;

typedef enum ember_kind {
  EMBER_KIND_NONE = 0,
  EMBER_KIND_BOOL = 1,
  EMBER_KIND_INT = 2,
  EMBER_KIND_FLOAT = 3,
  EMBER_KIND_STRING = 4,
  EMBER_KIND_TENSOR = 5,
  EMBER_KIND_LIST = 6,
  EMBER_KIND_TUPLE = 7,
  EMBER_KIND_DICT = 8,
  EMBER_KIND_OTHER = 9 /* objects, devices, complex numbers, ...: not readable through this API */
} ember_kind;

typedef struct ember_module ember_module;
typedef struct ember_value ember_value;

/* The calling thread's last error message ("" when none). */
const char* ember_last_error(void);
/* EMBER_C_API_VERSION of the library. */
int ember_api_version(void);
/* Intra-op threads for the whole process (n >= 1). */
ember_status ember_set_num_threads(int n);

/* ---- modules ---- */
ember_status ember_load(const char* path, ember_module** out);
ember_status ember_load_from_memory(const void* data, size_t size, ember_module** out);
void ember_module_free(ember_module* m);
/* nn.Module.eval() / train(): applies from the next run. */
ember_status ember_module_set_training(ember_module* m, int training);

/* The root module's methods in declaration order: count, name, full signature
 * ("forward(self, x: Tensor, k: int=3) -> Tensor"). */
ember_status ember_module_method_count(const ember_module* m, size_t* count);
ember_status ember_module_method_name(const ember_module* m, size_t index, const char** name);
ember_status ember_module_method_signature(const ember_module* m, const char* method, const char** signature);
/* A method's arguments (without self): count, then each one's name and type ("Tensor",
 * "List[int]", "Optional[Tensor]") and whether it has a default; and its return type. */
ember_status ember_module_argument_count(const ember_module* m, const char* method, size_t* count);
ember_status ember_module_argument(const ember_module* m, const char* method, size_t index, const char** name,
                                   const char** type, int* has_default);
ember_status ember_module_return_type(const ember_module* m, const char* method, const char** type);

/* Runs `method` (e.g. "forward") with positional inputs; omitted trailing ones take their
 * defaults. The inputs stay the caller's; *output is new. */
ember_status ember_module_run(ember_module* m, const char* method, ember_value* const* inputs, size_t num_inputs,
                              ember_value** output);

/* ---- values ---- */
/* A new tensor holding a copy of `data` (contiguous, row-major, sizeof(element) * prod(sizes)
 * bytes). */
ember_status ember_tensor_new(ember_dtype dtype, const int64_t* sizes, size_t ndim, const void* data,
                              ember_value** out);
ember_value* ember_value_none(void);
ember_value* ember_value_bool(int v);
ember_value* ember_value_int(int64_t v);
ember_value* ember_value_float(double v);
ember_value* ember_value_string(const char* utf8);
/* A list (elements of one kind: List[Tensor], List[int], ...) or a tuple of copies of the handles. */
ember_status ember_value_list(ember_value* const* items, size_t n, ember_value** out);
ember_status ember_value_tuple(ember_value* const* items, size_t n, ember_value** out);
void ember_value_free(ember_value* v);

ember_kind ember_value_kind(const ember_value* v);
ember_status ember_value_get_bool(const ember_value* v, int* out);
ember_status ember_value_get_int(const ember_value* v, int64_t* out);
ember_status ember_value_get_float(const ember_value* v, double* out); /* ints convert */
ember_status ember_value_get_string(const ember_value* v, const char** out);
/* Lists, tuples and dicts: number of items; item i (for dicts, the i-th value in insertion order,
 * and ember_value_dict_key its key). */
ember_status ember_value_len(const ember_value* v, size_t* out);
ember_status ember_value_item(const ember_value* v, size_t index, ember_value** out);
ember_status ember_value_dict_key(const ember_value* v, size_t index, ember_value** out);
/* Dict lookup by string key; EMBER_ERROR when absent. */
ember_status ember_value_dict_get(const ember_value* v, const char* key, ember_value** out);

/* Tensors: dtype, shape, and the elements as contiguous row-major bytes (a contiguous copy is
 * made once when the tensor is a strided view). Pointers stay valid while the handle lives. */
ember_status ember_tensor_dtype(const ember_value* v, ember_dtype* out);
ember_status ember_tensor_shape(const ember_value* v, const int64_t** sizes, size_t* ndim);
ember_status ember_tensor_data(const ember_value* v, const void** data, size_t* nbytes);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_EMBER_C_H */
