// check.cpp — `ember check MODEL.pt`: load and compile without running; says whether the model
// will run and, if not, every unsupported op or construct with its code/…py:line.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "say.h"
#include "ember/module.h"

namespace ember::cli {
namespace {

int run_check(const std::string& path, bool json, const std::string& device_text) {
  const Device device = device_text.empty() ? Device{} : Device::parse(device_text);
  CheckReport report = check(path, device);
  std::vector<MethodInfo> methods;
  if (report.ok()) methods = load(path).methods();
  if (json) {
    nlohmann::json j{{"file", path}, {"format_version", report.format_version}, {"ok", report.ok()},
                     {"ops_used", report.ops_used}, {"problems", report.problems}};
    j["methods"] = nlohmann::json::array();
    for (const auto& m : methods) j["methods"].push_back({{"name", m.name}, {"signature", m.signature}});
    if (!device.is_cpu()) {
      j["device"] = device.str();
      j["host_copy_ops"] = report.host_copy_ops;
    }
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    say("file: %s (format version %lld)\n", path.c_str(), static_cast<long long>(report.format_version));
    if (!methods.empty()) {
      say("methods:\n");
      for (const auto& m : methods) say("  %s\n", m.signature.c_str());
    }
    say("ops used (%zu):\n", report.ops_used.size());
    for (const auto& op : report.ops_used) say("  %s\n", op.c_str());
    if (!device.is_cpu()) {
      if (report.host_copy_ops.empty()) {
        say("on %s: every op has a kernel there\n", device.str().c_str());
      } else {
        say("on %s, these run on the CPU with copies (no %s kernel yet) (%zu):\n", device.str().c_str(),
            std::string(device_type_name(device.type)).c_str(), report.host_copy_ops.size());
        for (const auto& op : report.host_copy_ops) say("  %s\n", op.c_str());
      }
    }
    if (report.ok()) {
      say("ok: every op and construct is supported\n");
    } else {
      say("not supported (%zu):\n", report.problems.size());
      for (const auto& p : report.problems) say("  %s\n", p.c_str());
    }
  }
  return report.ok() ? 0 : 2;
}

}  // namespace

Command add_check(CLI::App& app) {
  auto* sub = app.add_subcommand("check", "Load and compile a model without running it; exit 0 when it will run, 2 when not");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  sub->add_option("model", *path, "TorchScript archive (.pt)")->required();
  auto device = std::make_shared<std::string>();
  sub->add_flag("--json", *json, "Print the report as JSON");
  sub->add_option("--device", *device,
                  "Also list the ops that have no kernel for this device (cuda[:N]) and would run on the CPU with copies");
  return [=] { return run_check(*path, *json, *device); };
}

}  // namespace ember::cli
