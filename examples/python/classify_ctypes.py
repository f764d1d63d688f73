"""The C API from Python through ctypes (no compiled binding): classify an 8x8 digit with ember.
usage: classify_ctypes.py LIBEMBER_SO MODEL.pt IMAGE.u8"""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
P, I64, SZ = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t
lib.ember_last_error.restype = ctypes.c_char_p
lib.ember_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(P)]
lib.ember_module_run.argtypes = [P, ctypes.c_char_p, ctypes.POINTER(P), SZ, ctypes.POINTER(P)]
lib.ember_module_method_signature.argtypes = [P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
lib.ember_tensor_new.argtypes = [ctypes.c_int, ctypes.POINTER(I64), SZ, P, ctypes.POINTER(P)]
lib.ember_tensor_shape.argtypes = [P, ctypes.POINTER(ctypes.POINTER(I64)), ctypes.POINTER(SZ)]
lib.ember_tensor_data.argtypes = [P, ctypes.POINTER(P), ctypes.POINTER(SZ)]
lib.ember_value_free.argtypes = [P]
lib.ember_module_free.argtypes = [P]
EMBER_FLOAT32 = 6


def check(status, what):
    if status != 0:
        raise RuntimeError(f"{what}: {lib.ember_last_error().decode()}")


model = P()
check(lib.ember_load(sys.argv[2].encode(), ctypes.byref(model)), "load")
sig = ctypes.c_char_p()
check(lib.ember_module_method_signature(model, b"forward", ctypes.byref(sig)), "signature")
print("forward:", sig.value.decode())

pixels = open(sys.argv[3], "rb").read()
data = (ctypes.c_float * 64)(*[p / 255.0 for p in pixels])
shape = (I64 * 4)(1, 1, 8, 8)
x, y = P(), P()
check(lib.ember_tensor_new(EMBER_FLOAT32, shape, 4, ctypes.cast(data, P), ctypes.byref(x)), "tensor")
check(lib.ember_module_run(model, b"forward", (P * 1)(x), 1, ctypes.byref(y)), "run")

sizes, ndim, ptr, nbytes = ctypes.POINTER(I64)(), SZ(), P(), SZ()
check(lib.ember_tensor_shape(y, ctypes.byref(sizes), ctypes.byref(ndim)), "shape")
check(lib.ember_tensor_data(y, ctypes.byref(ptr), ctypes.byref(nbytes)), "data")
scores = list(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float))[: nbytes.value // 4])
print("shape:", [sizes[i] for i in range(ndim.value)])
for i, s in enumerate(scores):
    print(f"class {i}: {s:.6f}")
print("predicted digit:", max(range(len(scores)), key=scores.__getitem__))

status = lib.ember_module_run(model, b"missing", (P * 1)(x), 1, ctypes.byref(P()))
print("error example:", status, lib.ember_last_error().decode())
for v in (x, y):
    lib.ember_value_free(v)
lib.ember_module_free(model)
