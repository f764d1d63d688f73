// commands.h — the subcommands of the `ember` CLI. Each registers its options on the CLI11 app and
// returns the function to run when chosen; main() wires them and turns errors into exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace ember::cli {

using Command = std::function<int()>;

Command add_inspect(CLI::App& app);
Command add_check(CLI::App& app);
Command add_run(CLI::App& app);
Command add_compare(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_serve(CLI::App& app);

}  // namespace ember::cli
