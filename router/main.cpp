// flyover: the router binary. Parses the command line, loads and checks the config, runs the server.

#include <cstring>
#include <iostream>
#include <string>

#include "router/config.hpp"
#include "router/log.hpp"
#include "router/server.hpp"

namespace {

constexpr const char* usage = R"(Usage: flyover [options]

A WAMP v2 router: Publish & Subscribe and routed RPC over WebSocket (wamp.2.json, wamp.2.msgpack).

Options:
  --config FILE        configuration file (default: conf/flyover.json)
  --check-config       validate the configuration and exit (0 = valid)
  --log-level LEVEL    debug | info | warn | error (overrides the config's log_level)
  --version            print the version and exit
  --help               print this help and exit

SIGINT or SIGTERM stops the router gracefully: every session gets GOODBYE wamp.close.system_shutdown.
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace flyover::router;
    std::string config_path = "conf/flyover.json";
    std::string level_override;
    bool check_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "flyover: " << name << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "flyover " FLYOVER_VERSION "\n";
            return 0;
        } else if (arg == "--config") {
            config_path = value("--config");
        } else if (arg == "--check-config") {
            check_only = true;
        } else if (arg == "--log-level") {
            level_override = value("--log-level");
        } else {
            std::cerr << "flyover: unknown option " << arg << "\n\n" << usage;
            return 2;
        }
    }

    auto config = load_config(config_path);
    if (!config) {
        std::cerr << "flyover: invalid configuration: " << config.error().message << "\n";
        return 1;
    }
    if (check_only) {
        std::cout << "flyover: " << config_path << " is valid (" << config->listeners.size() << " listeners, "
                  << config->realms.size() << " realms)\n";
        return 0;
    }
    LogLevel level = LogLevel::info;
    const std::string& level_text = level_override.empty() ? config->log_level : level_override;
    if (!parse_log_level(level_text, level)) {
        std::cerr << "flyover: --log-level must be debug, info, warn or error, got \"" << level_text << "\"\n";
        return 2;
    }
    set_log_level(level);
    return run_server(std::move(config).value());
}
