// flyover-client-cli: one WAMP action from the command line, JSON in and JSON lines out. Scripts use it to poke
// a router; the integration tests use it as "the C++ client" against Autobahn|JS and Autobahn|Python peers.

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "client/client_uris.hpp"

namespace {

using namespace flyover;
using namespace flyover::client;

constexpr const char* usage = R"(usage:
  flyover-client-cli call URL REALM SERIALIZER PROCEDURE [ARGS_JSON] [options]
      --kwargs JSON          keyword arguments (a JSON object)
      --progress             ask for progressive results (printed as {"event":"progress",...})
      --timeout MS           CALL.Options.timeout: the router cancels the call after MS milliseconds
      --cancel-after MS      send CANCEL after MS milliseconds
      --cancel-mode MODE     skip | kill | killnowait (default kill)
  flyover-client-cli publish URL REALM SERIALIZER TOPIC [ARGS_JSON] [--kwargs JSON] [--ack] [--count N]
  flyover-client-cli subscribe URL REALM SERIALIZER TOPIC [--count N] [--match prefix|wildcard]
common options:
  --deadline-s S             give up after S seconds (default 30)
SERIALIZER is json or msgpack. Output: one JSON object per line.
Exit status: 0 success, 1 the router answered with an error, 2 no session (connect or join failed),
3 deadline passed, 64 usage.
)";

struct Args {
    std::string command, url, realm, serializer, uri;
    List args;
    Dict kwargs;
    std::map<std::string, std::string> options;
    bool has(const std::string& k) const { return options.count(k) > 0; }
    std::string get(const std::string& k, std::string fallback = {}) const {
        auto it = options.find(k);
        return it == options.end() ? fallback : it->second;
    }
};

void print(Dict fields) { std::cout << json_codec().encode_value(Value(std::move(fields))) << std::endl; }

bool parse_json(const std::string& text, Value& out, std::string& error) {
    auto v = json_codec().decode(text);
    if (!v) {
        error = v.error().message;
        return false;
    }
    out = std::move(v).value();
    return true;
}

bool parse_args(int argc, char** argv, Args& a, std::string& error) {
    std::vector<std::string> positional;
    static const std::map<std::string, bool> known{{"--kwargs", true},     {"--progress", false}, {"--timeout", true},
                                                   {"--cancel-after", true}, {"--cancel-mode", true}, {"--ack", false},
                                                   {"--count", true},      {"--match", true},     {"--deadline-s", true}};
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (s.rfind("--", 0) == 0) {
            auto k = known.find(s);
            if (k == known.end()) {
                error = "unknown option " + s;
                return false;
            }
            if (k->second) {
                if (i + 1 >= argc) {
                    error = s + " needs a value";
                    return false;
                }
                a.options[s] = argv[++i];
            } else {
                a.options[s] = "1";
            }
        } else {
            positional.push_back(std::move(s));
        }
    }
    if (positional.size() < 5 || positional.size() > 6) {
        error = "expected COMMAND URL REALM SERIALIZER URI [ARGS_JSON]";
        return false;
    }
    a.command = positional[0];
    a.url = positional[1];
    a.realm = positional[2];
    a.serializer = positional[3];
    a.uri = positional[4];
    if (positional.size() == 6) {
        Value v;
        if (!parse_json(positional[5], v, error) || !v.as_list()) {
            error = "ARGS_JSON must be a JSON array" + (error.empty() ? "" : ": " + error);
            return false;
        }
        a.args = std::move(*v.as_list());
    }
    if (a.has("--kwargs")) {
        Value v;
        if (!parse_json(a.get("--kwargs"), v, error) || !v.as_dict()) {
            error = "--kwargs must be a JSON object" + (error.empty() ? "" : ": " + error);
            return false;
        }
        a.kwargs = std::move(*v.as_dict());
    }
    return true;
}

Dict error_fields(std::string_view event, const WampError& e) {
    return Dict{{"event", event}, {"error", e.uri}, {"args", e.args}, {"kwargs", e.kwargs}};
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    std::string error;
    if (argc < 2 || !parse_args(argc, argv, a, error)) {
        if (!error.empty()) std::cerr << "flyover-client-cli: " << error << "\n";
        std::cerr << usage;
        return 64;
    }
    auto serializer = parse_serializer(a.serializer);
    if (!serializer || (a.command != "call" && a.command != "publish" && a.command != "subscribe")) {
        std::cerr << usage;
        return 64;
    }
    const long count = std::strtol(a.get("--count", "1").c_str(), nullptr, 10);
    std::optional<CancelMode> cancel_mode = parse_cancel_mode(a.get("--cancel-mode", "kill"));
    if (count < 1 || !cancel_mode) {
        std::cerr << usage;
        return 64;
    }

    net::io_context io;
    ClientOptions options;
    options.url = a.url;
    options.realm = a.realm;
    options.serializer = *serializer;
    auto client = Client::create(io.get_executor(), options);
    int exit_code = 0;
    net::steady_timer deadline(client->get_executor());
    net::steady_timer cancel_timer(client->get_executor());

    // Every action ends here: remember the status, leave, and let io.run() return once everything is closed.
    auto finish = [&](int code) {
        exit_code = code;
        deadline.cancel();
        cancel_timer.cancel();
        client->stop();
    };

    bool joined = false;
    client->on_stop([&](const CloseInfo& info) {
        deadline.cancel();
        cancel_timer.cancel();
        if (!joined) {
            print(Dict{{"event", "join_error"}, {"error", info.reason}, {"message", info.message}});
            if (exit_code == 0) exit_code = 2;
            return;
        }
        print(Dict{{"event", "left"}, {"reason", info.reason}, {"message", info.message}});
    });
    client->on_leave([&](const CloseInfo& info) {
        if (!info.requested && exit_code == 0) exit_code = 2;
    });

    client->on_join([&](const SessionInfo& session) {
        joined = true;
        print(Dict{{"event", "joined"}, {"session", session.session}, {"authrole", session.authrole}});
        if (a.command == "call") {
            CallOptions call_options;
            if (a.has("--progress"))
                call_options.on_progress = [](const CallResult& r) {
                    print(Dict{{"event", "progress"}, {"args", r.args}, {"kwargs", r.kwargs}});
                };
            if (a.has("--timeout")) call_options.timeout = std::chrono::milliseconds(std::stoll(a.get("--timeout")));
            Id request = client->call(a.uri, a.args, a.kwargs, std::move(call_options), [&](Outcome<CallResult> r) {
                if (r) {
                    print(Dict{{"event", "result"}, {"args", r->args}, {"kwargs", r->kwargs}});
                    finish(0);
                } else {
                    print(error_fields("call_error", r.error()));
                    finish(1);
                }
            });
            if (request && a.has("--cancel-after")) {
                cancel_timer.expires_after(std::chrono::milliseconds(std::stoll(a.get("--cancel-after"))));
                cancel_timer.async_wait([&, request](boost::system::error_code ec) {
                    if (ec) return;
                    bool sent = client->cancel(request, *cancel_mode);
                    print(Dict{{"event", "cancel"}, {"mode", cancel_mode_name(*cancel_mode)}, {"sent", sent}});
                });
            }
        } else if (a.command == "publish") {
            PublishOptions publish_options;
            publish_options.acknowledge = a.has("--ack");
            auto remaining = std::make_shared<long>(count);
            for (long i = 0; i < count; ++i) {
                client->publish(a.uri, a.args, a.kwargs, publish_options, [&, remaining](Outcome<Id> r) {
                    if (!r) {
                        print(error_fields("publish_error", r.error()));
                        if (--*remaining == 0) finish(1);
                        return;
                    }
                    print(Dict{{"event", "published"}, {"publication", r.value()}});
                    if (--*remaining == 0) finish(0);
                });
            }
        } else {
            SubscribeOptions sub_options;
            std::string match = a.get("--match", "exact");
            sub_options.match = match == "prefix" ? Match::prefix : match == "wildcard" ? Match::wildcard : Match::exact;
            auto received = std::make_shared<long>(0);
            auto subscription = std::make_shared<Subscription>();
            client->subscribe(
                a.uri,
                [&, received, subscription](const EventData& e) {
                    print(Dict{{"event", "event"},
                               {"topic", e.topic},
                               {"publication", e.publication},
                               {"args", e.args},
                               {"kwargs", e.kwargs}});
                    if (++*received != count) return;
                    client->unsubscribe(*subscription, [&](Status s) {
                        if (s) print(Dict{{"event", "unsubscribed"}});
                        else print(error_fields("unsubscribe_error", s.error()));
                        finish(s ? 0 : 1);
                    });
                },
                sub_options,
                [&, subscription](Outcome<Subscription> s) {
                    if (!s) {
                        print(error_fields("subscribe_error", s.error()));
                        finish(1);
                        return;
                    }
                    *subscription = s.value();
                    print(Dict{{"event", "subscribed"}, {"subscription", s->id}});
                });
        }
    });

    deadline.expires_after(std::chrono::seconds(std::stoll(a.get("--deadline-s", "30"))));
    deadline.async_wait([&](boost::system::error_code ec) {
        if (ec) return;
        print(Dict{{"event", "error"}, {"error", "deadline"}, {"message", "no answer within --deadline-s"}});
        exit_code = 3;
        client->stop();
    });

    client->start();
    io.run();
    return exit_code;
}
