// Hostile pickles, zip entries and files: deep garbage, shared structure, memo and deflate bombs,
// FIFOs and escape bytes. Each ends in an ember::Error or a correct load, with bounded stack,
// memory and time.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstring>

#include "error_text.h"
#include "archive/archive.h"
#include "ember/ember.h"
#include "hostile_files.h"

namespace ember {
namespace {

using testing::class_source;
using testing::module_archive;
namespace pk = testing::pk;

using testing::error_of;

const std::string kForward =
    class_source("", "  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    return x\n");
constexpr size_t kDeep = 1000000;

std::string with_garbage(const std::string& garbage) {
  return pk::proto() + garbage + pk::module_object() + pk::stop();
}

TEST(HostilePickle, DeepValuesDroppedMidPickle) {
  const std::string deep = pk::deep_tuple(kDeep);
  const std::pair<const char*, std::string> cases[] = {
      {"pop", with_garbage(deep + "0")},
      {"pop_mark", with_garbage("(" + deep + "1")},
      {"memo_overwrite", with_garbage(deep + pk::binput(0) + "0" + pk::integer(1) + pk::binput(0) + "0")},
      {"dict_overwrite", with_garbage("}" + pk::str("k") + deep + "s" + pk::str("k") + pk::integer(1) + "s0")},
      {"list_dropped", with_garbage("]" + deep + "a0")},
  };
  for (const auto& [name, pkl] : cases) {
    auto a = archive::load_archive(module_archive(std::string(name) + ".pt", kForward, pkl));
    EXPECT_TRUE(a.root.is_object()) << name;
  }
  // Kept deep values are refused, and everything built so far is freed without recursion.
  const std::pair<const char*, std::string> refused[] = {
      {"build", pk::proto() + pk::global("__torch__", "M") + ")\x81}" + pk::str("k") + deep + "sb" + pk::stop()},
      {"reduce_args", pk::proto() + pk::global("torch._utils", "_rebuild_tensor_v2") + deep + "\x85R" + pk::stop()},
      {"unfinished", pk::proto() + deep},
      {"result", pk::proto() + deep + pk::stop()},
  };
  for (const auto& entry : refused) {
    const std::string name = entry.first;  // (clang 14 cannot capture a structured binding)
    const std::string& pkl = entry.second;
    EXPECT_NE(error_of([&] { archive::load_archive(module_archive(name + ".pt", kForward, pkl)); }), "<no error>")
        << name;
  }
  // The same inside a torch.save'd input.
  std::string saved = testing::write_bytes(
      "deep_input.pt", testing::zip_of({{"archive/data.pkl", pk::proto() + deep + "0" + pk::integer(3) + pk::stop()}}));
  EXPECT_EQ(archive::load_torch_save(saved).to_int(), 3);
  std::string saved_bad = testing::write_bytes(
      "deep_input_bad.pt", testing::zip_of({{"archive/data.pkl", pk::proto() + deep + pk::stop()}}));
  EXPECT_HAS(error_of([&] { archive::load_torch_save(saved_bad); }), "nested more than");
}

TEST(HostilePickle, ExponentialDagOfSharedLists) {
  // d = L100 where L(i+1) = [L(i), L(i)]: 2^100 paths through 101 lists.
  std::string dag = "]" + pk::binput(0) + "0";
  for (int i = 0; i < 100; ++i)
    dag += "](" + pk::binget(static_cast<uint8_t>(i)) + pk::binget(static_cast<uint8_t>(i)) + "e" +
           pk::binput(static_cast<uint8_t>(i + 1)) + "0";
  dag += pk::binget(100);
  std::string pkl = pk::proto() + pk::module_object(pk::str("d") + dag) + pk::stop();
  std::string code = class_source("  d : List[Any]\n",
                                  "  def forward(self: __torch__.M, x: Tensor) -> int:\n    return len(self.d)\n");
  std::string path = module_archive("dag.pt", code, pkl);
  Module m = load(path);
  EXPECT_EQ(m.forward({Value(Tensor::empty({1}, DType::Float32))}).to_int(), 2);
  Module plain = load(path, LoadOptions{{"all"}});
  EXPECT_EQ(plain.forward({Value(Tensor::empty({1}, DType::Float32))}).to_int(), 2);
  // Printing it stops at the rendering limit; comparing it with itself does not walk it.
  EXPECT_HAS(error_of([&] { (void)m.attr("d").repr(); }), "renders to more than");
  EXPECT_TRUE(m.attr("d").equals(m.attr("d")));
}

TEST(HostilePickle, MemoBombIsRefused) {
  // A memoised list of 1000 (key, value) pairs turned into a new OrderedDict 10000 times.
  std::string pairs = "](";
  for (int i = 0; i < 1000; ++i) pairs += "(" + pk::integer(i) + pk::integer(i) + "t";
  pairs += "e" + pk::binput(1);
  std::string bomb = pk::global("collections", "OrderedDict") + pk::binput(0) + pairs + "\x85R0";
  for (int i = 0; i < 10000; ++i) bomb += pk::binget(0) + pk::binget(1) + "\x85R0";
  archive::ArchiveLimits limits;  // the default (2^23) is reached the same way, only later
  limits.max_pickle_items = 1 << 20;
  EXPECT_HAS(error_of([&] {
               archive::load_archive(module_archive("memo_bomb.pt", kForward, with_garbage(bomb)), limits);
             }),
             "list items and dict entries (LoadOptions::max_pickle_items)");
}

std::string deflated(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(HostilePickle, DeflateBombsAreBounded) {
  // 64 MiB of zeros deflated to ~64 KiB in an unused extra/ entry: listed at load, never inflated.
  const std::string zeros(size_t{64} << 20, '\0');
  testing::ZipItem bomb{"extra/bomb.bin", deflated(zeros), 8, static_cast<uint32_t>(zeros.size()),
                        testing::crc32_of(zeros)};
  std::string path = module_archive("extra_bomb.pt", kForward, with_garbage(""), {bomb});
  auto a = archive::load_archive(path);
  EXPECT_EQ(a.extra_files.at("bomb.bin"), zeros.size());
  EXPECT_EQ(a.read_extra("bomb.bin").size(), zeros.size());  // on demand, within the limit
  archive::ArchiveLimits small;
  small.max_inflated_bytes = 1 << 20;
  auto b = archive::load_archive(path, small);
  EXPECT_HAS(error_of([&] { b.read_extra("bomb.bin"); }), "inflate to more than 1048576 bytes");
  // An entry claiming 3 GB (just under deflate's largest ratio) is refused before any allocation.
  testing::ZipItem claim{"code/__torch__/big.py", std::string(size_t{3} << 20, '\x55'), 8, 3000000000u, 0};
  EXPECT_HAS(error_of([&] { load(module_archive("claim.pt", kForward, with_garbage(""), {claim})); }),
             "LoadOptions::max_inflated_bytes");
  // The same limit through LoadOptions.
  LoadOptions tight;
  tight.max_inflated_bytes = 100;
  testing::ZipItem code{"code/__torch__/other.py", deflated(std::string(1000, '#')), 8, 1000,
                        testing::crc32_of(std::string(1000, '#'))};
  EXPECT_HAS(error_of([&] { load(module_archive("tight.pt", kForward, with_garbage(""), {code}), tight); }),
             "inflate to more than 100 bytes");
}

TEST(HostilePickle, FifoAsModelOrInput) {
  std::string path = testing::temp_path("model.fifo");
  ::unlink(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_HAS(error_of([&] { load(path); }), "not a regular file");
  EXPECT_HAS(error_of([&] { archive::load_torch_save(path); }), "not a regular file");
  ::unlink(path.c_str());
}

TEST(HostilePickle, MessagesEscapeBytesFromTheFile) {
  std::string pkl = pk::proto() + pk::global("os\x1b]0;pwned\x07", "system\x1b[2J") + pk::stop();
  std::string msg = error_of([&] { archive::load_archive(module_archive("escape.pt", kForward, pkl)); });
  EXPECT_HAS(msg, "is not allowed");
  EXPECT_HAS(msg, "\\x1b]0;pwned\\x07");
  EXPECT_EQ(msg.find('\x1b'), std::string::npos);
  EXPECT_EQ(msg.find('\x07'), std::string::npos);
  EXPECT_EQ(Error("a\x9b" "b\xc2\x9b" "c\n\td").what(), std::string("a\x9b" "b\\xc2\\x9b" "c\n\td"));
}

}  // namespace
}  // namespace ember
