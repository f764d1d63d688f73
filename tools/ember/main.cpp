// main.cpp — `ember`: inspect, check, run, compare, bench and serve TorchScript models.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "ember/custom_op.h"
#include "ember/deadline.h"
#include "ember/error.h"

int main(int argc, char** argv) {
  CLI::App app{"ember: run PyTorch TorchScript models without libtorch"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  // Operator libraries (EMBER_REGISTER_OPS, see ember/custom_op.h) loaded before the command runs,
  // so models calling their ops load, check and run. Accepted before or after the command name.
  std::vector<std::string> libraries;
  app.add_option("--library", libraries, "Shared library registering custom operators (repeatable)")
      ->type_name("LIB.so");
  app.fallthrough();
  std::vector<std::pair<CLI::App*, ember::cli::Command>> commands;
  auto add = [&](auto adder) {
    size_t before = app.get_subcommands({}).size();
    ember::cli::Command run = adder(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(run));
  };
  add(ember::cli::add_inspect);
  add(ember::cli::add_check);
  add(ember::cli::add_run);
  add(ember::cli::add_compare);
  add(ember::cli::add_bench);
  add(ember::cli::add_serve);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const std::string& lib : libraries) ember::load_library(lib);
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return run();
  } catch (const ember::Cancelled& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 124;  // as timeout(1) exits
  } catch (const ember::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
