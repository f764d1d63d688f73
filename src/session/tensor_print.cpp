// tensor_print.cpp — operator<< for Tensor, giving the text PyTorch's str(tensor) gives.
//
// The rules are those of torch/_tensor_str.py with the default print options (precision 4,
// threshold 1000, edge items 3, line width 80): one formatter per tensor picks fixed, integer
// ("1.") or scientific notation from the magnitudes of the finite non-zero values it will show,
// and pads every element to the widest; rows wrap at 80 columns; summarised tensors keep three
// items at each end of every long dimension.
#include <cmath>
#include <complex>
#include <cstdio>
#include <ostream>

#include "ember/ops.h"

namespace ember {

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int kLineWidth = 80;

std::string printf_str(const char* fmt, int width, double v) {
  char buf[64];
  if (width >= 0) std::snprintf(buf, sizeof buf, fmt, width, kPrecision, v);
  else std::snprintf(buf, sizeof buf, fmt, kPrecision, v);
  return buf;
}

std::string fixed(double v) { return printf_str("%.*f", -1, v); }
std::string sci(double v, int width = 0) { return printf_str("%*.*e", width, v); }
std::string integral_float(double v) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// _Formatter: the notation and width for one set of values.
class Formatter {
 public:
  // `values` are the elements that will be shown; `floating` says whether the dtype is.
  Formatter(const std::vector<double>& values, bool floating, bool is_bool) : floating_(floating), bool_(is_bool) {
    if (!floating_) {
      for (double v : values) width_ = std::max(width_, static_cast<int>(plain(v).size()));
      return;
    }
    std::vector<double> nz;
    for (double v : values)
      if (std::isfinite(v) && v != 0) nz.push_back(v);
    if (nz.empty()) return;
    double lo = std::abs(nz[0]), hi = lo;
    for (double v : nz) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      if (hi / lo > 1000.0 || hi > 1.0e8) {
        sci_ = true;
        for (double v : nz) width_ = std::max(width_, static_cast<int>(sci(v).size()));
      } else {
        for (double v : nz) width_ = std::max(width_, static_cast<int>(integral_float(v).size()) + 1);
      }
    } else if (hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4) {
      sci_ = true;
      for (double v : nz) width_ = std::max(width_, static_cast<int>(sci(v).size()));
    } else {
      for (double v : nz) width_ = std::max(width_, static_cast<int>(fixed(v).size()));
    }
  }

  int width() const { return width_; }

  std::string format(double v) const {
    std::string s;
    if (floating_) {
      if (sci_) s = sci(v, width_);
      else if (int_mode_) {
        s = integral_float(v);
        if (std::isfinite(v)) s += ".";
      } else {
        s = fixed(v);
      }
    } else {
      s = plain(v);
    }
    if (static_cast<int>(s.size()) < width_) s.insert(0, static_cast<size_t>(width_) - s.size(), ' ');
    return s;
  }

 private:
  std::string plain(double v) const {
    if (bool_) return v != 0 ? "True" : "False";
    return std::to_string(static_cast<int64_t>(v));
  }
  bool floating_;
  bool bool_;
  bool int_mode_ = true;
  bool sci_ = false;
  int width_ = 1;
};

// Python's str.lstrip() of spaces.
std::string lstrip(std::string s) {
  size_t i = s.find_first_not_of(' ');
  return i == std::string::npos ? std::string() : s.substr(i);
}

struct Printer {
  Shape sizes;
  Shape strides;  // contiguous, over re_/im_
  std::vector<double> re, im;
  bool complex = false;
  bool summarize = false;
  std::optional<Formatter> f1, f2;

  std::string element(int64_t flat) const {
    if (!complex) return f1->format(re[static_cast<size_t>(flat)]);
    std::string real_str = f1->format(re[static_cast<size_t>(flat)]);
    std::string imag_str = lstrip(f2->format(im[static_cast<size_t>(flat)]) + "j");
    if (imag_str[0] == '+' || imag_str[0] == '-') return real_str + imag_str;
    return real_str + "+" + imag_str;
  }

  // The indices shown along a dimension of size n.
  std::vector<int64_t> shown(int64_t n, bool* elided) const {
    std::vector<int64_t> idx;
    *elided = summarize && n > 2 * kEdgeItems;
    if (*elided) {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  std::string str(size_t d, int64_t base, int indent) const {
    const size_t dim = sizes.size();
    if (dim == 0) return element(0);
    bool elided = false;
    std::vector<int64_t> idx = shown(sizes[d], &elided);
    if (d + 1 == dim) {
      int element_length = f1->width() + 2 + (complex ? f2->width() + 1 : 0);
      int per_line = std::max(1, (kLineWidth - indent) / element_length);
      std::vector<std::string> data;
      for (size_t k = 0; k < idx.size(); ++k) {
        if (elided && k == static_cast<size_t>(kEdgeItems)) data.push_back(" ...");
        data.push_back(element(base + idx[k] * strides[d]));
      }
      std::string out = "[";
      for (size_t i = 0; i < data.size(); ++i) {
        if (i > 0) {
          if (i % static_cast<size_t>(per_line) == 0) out += ",\n" + std::string(static_cast<size_t>(indent) + 1, ' ');
          else out += ", ";
        }
        out += data[i];
      }
      return out + "]";
    }
    std::vector<std::string> slices;
    for (size_t k = 0; k < idx.size(); ++k) {
      if (elided && k == static_cast<size_t>(kEdgeItems)) slices.push_back("...");
      slices.push_back(str(d + 1, base + idx[k] * strides[d], indent + 1));
    }
    std::string sep = "," + std::string(dim - d - 1, '\n') + std::string(static_cast<size_t>(indent) + 1, ' ');
    std::string out = "[";
    for (size_t i = 0; i < slices.size(); ++i) out += (i ? sep : "") + slices[i];
    return out + "]";
  }

  // The values a summarised tensor shows (get_summarized_data), for the formatters.
  void collect(size_t d, int64_t base, const std::vector<double>& src, std::vector<double>& out) const {
    if (d == sizes.size()) {
      out.push_back(src[static_cast<size_t>(base)]);
      return;
    }
    bool elided = false;
    for (int64_t i : shown(sizes[d], &elided)) collect(d + 1, base + i * strides[d], src, out);
  }
};

std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "[ Tensor (undefined) ]";
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  const DType dt = t.dtype();
  const bool default_dtype = dt == DType::Float32 || dt == DType::Int64 || dt == DType::Bool || dt == DType::Complex64;
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back("size=" + tuple_str(t.sizes()));
    if (dt != DType::Float32) suffixes.push_back("dtype=torch." + std::string(dtype_name(dt)));
    body = "[]";
  } else {
    if (!default_dtype) suffixes.push_back("dtype=torch." + std::string(dtype_name(dt)));
    Printer p;
    p.sizes = t.sizes();
    p.strides = contiguous_strides(p.sizes);
    p.complex = is_complex(dt);
    p.summarize = t.numel() > kThreshold;
    const int64_t n = t.numel();
    if (p.complex) {
      Tensor c = t.to(DType::Complex128).contiguous();
      const auto* z = c.data<ComplexDouble>();
      p.re.resize(static_cast<size_t>(n));
      p.im.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        p.re[static_cast<size_t>(i)] = z[i].real();
        p.im[static_cast<size_t>(i)] = z[i].imag();
      }
    } else if (is_floating(dt)) {
      Tensor c = t.to(DType::Float64).contiguous();
      p.re.assign(c.data<double>(), c.data<double>() + n);
    } else {
      Tensor c = t.to(DType::Int64).contiguous();
      const int64_t* v = c.data<int64_t>();
      p.re.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) p.re[static_cast<size_t>(i)] = static_cast<double>(v[i]);
    }
    const bool floating = is_floating(dt) || p.complex;
    std::vector<double> shown_re, shown_im;
    p.collect(0, 0, p.re, shown_re);
    p.f1.emplace(shown_re, floating, dt == DType::Bool);
    if (p.complex) {
      p.collect(0, 0, p.im, shown_im);
      p.f2.emplace(shown_im, true, false);
    }
    body = p.str(0, 0, indent);
  }
  if (t.requires_grad()) suffixes.push_back("requires_grad=True");
  // _add_suffixes
  std::string out = prefix + body;
  size_t nl = out.rfind('\n');
  int64_t last_line_len = static_cast<int64_t>(out.size()) - (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (const std::string& s : suffixes) {
    const int64_t len = static_cast<int64_t>(s.size());
    if (last_line_len + len + 2 > kLineWidth) {
      out += ",\n" + std::string(static_cast<size_t>(indent), ' ') + s;
      last_line_len = indent + len;
    } else {
      out += ", " + s;
      last_line_len += len + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << to_string(t); }

}  // namespace ember
