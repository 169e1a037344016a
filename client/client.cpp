#include "client/client.hpp"

#include <iostream>

#include "client/client_uris.hpp"
#include "serializers/error_uris.hpp"

namespace flyover::client {

std::optional<Serializer> parse_serializer(std::string_view name) {
    if (name == "json" || name == "wamp.2.json") return Serializer::json;
    if (name == "msgpack" || name == "wamp.2.msgpack") return Serializer::msgpack;
    return std::nullopt;
}

std::shared_ptr<Client> Client::create(net::any_io_executor executor, ClientOptions options) {
    return std::shared_ptr<Client>(new Client(std::move(executor), std::move(options)));
}

Client::Client(net::any_io_executor executor, ClientOptions options)
    : strand_(net::make_strand(executor)),
      options_(std::move(options)),
      codec_(options_.serializer == Serializer::msgpack ? msgpack_codec() : json_codec()),
      session_(static_cast<Transport&>(*this)),
      retry_timer_(strand_) {
    auto parsed = parse_ws_url(options_.url);
    if (parsed) url_ = std::move(parsed).value();
    else url_error_ = parsed.error().message;
    if (options_.reconnect) backoff_.emplace(*options_.reconnect);
    if (!options_.logger) options_.logger = [](std::string_view text) { std::cerr << "flyover-client: " << text << '\n'; };
    session_.set_logger(options_.logger);
    // Answers from other threads come back to the strand; on the strand they run inline.
    session_.set_dispatcher([strand = strand_](std::function<void()> f) { net::dispatch(strand, std::move(f)); });
}

Client::~Client() {
    // The last reference may go on any thread: the transport is only touched on the strand.
    if (transport_) net::post(strand_, [t = transport_] { t->close(); });
}

void Client::log(std::string_view text) const {
    try {
        options_.logger(text);
    } catch (...) {
        // Nowhere left to report to.
    }
}

void Client::start() {
    net::dispatch(strand_, [self = shared_from_this()] {
        if (self->started_) return;
        self->started_ = true;
        self->stopping_ = false;
        self->give_up_ = false;
        self->session_.on_close([weak = std::weak_ptr<Client>(self)](const CloseInfo& info) {
            if (auto me = weak.lock()) me->on_session_closed(info);
        });
        self->connect();
    });
}

void Client::stop(StatusHandler done) {
    net::dispatch(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
        if (!self->started_) {
            if (done) done(Status(Done{}));
            return;
        }
        self->stop_done_.push_back(std::move(done));
        if (self->stopping_) return;
        self->stopping_ = true;
        if (self->waiting_to_retry_ || !self->transport_) {
            self->retry_timer_.cancel();
            self->waiting_to_retry_ = false;
            self->last_close_ = CloseInfo{std::string(flyover::uris::close_normal), "stopped", true};
            self->finish_stop();
            return;
        }
        auto state = self->session_.state();
        if (state == ClientSession::State::established || state == ClientSession::State::joining ||
            state == ClientSession::State::authenticating) {
            self->session_.leave();  // the session closes the transport once GOODBYE is answered
        } else if (state == ClientSession::State::closed) {
            self->transport_->close();  // still connecting
        }
    });
}

void Client::connect() {
    if (!url_) {
        last_close_ = CloseInfo{std::string(uris::connect_failed), url_error_, false};
        give_up_ = true;
        finish_stop();
        return;
    }
    const std::uint64_t generation = ++generation_;
    std::weak_ptr<Client> weak = weak_from_this();
    WebSocketTransport::Events events;
    events.on_open = [weak, generation] {
        if (auto me = weak.lock()) me->on_open(generation);
    };
    events.on_message = [weak, generation](Message&& m) {
        if (auto me = weak.lock(); me && me->generation_ == generation) me->session_.handle(std::move(m));
    };
    events.on_bad_message = [weak, generation](std::string why) {
        if (auto me = weak.lock(); me && me->generation_ == generation) me->session_.protocol_error(std::move(why));
    };
    events.on_closed = [weak, generation](std::string why, bool was_open) {
        if (auto me = weak.lock()) me->on_closed(generation, std::move(why), was_open);
    };
    transport_ = std::make_shared<WebSocketTransport>(strand_, codec_, options_.transport, std::move(events));
    transport_->connect(*url_);
}

void Client::on_open(std::uint64_t generation) {
    if (generation != generation_) return;
    if (stopping_) {
        transport_->close();
        return;
    }
    session_.join(options_.realm, options_.join, [weak = weak_from_this()](Outcome<SessionInfo> outcome) {
        if (auto me = weak.lock()) me->on_joined(std::move(outcome));
    });
}

void Client::on_joined(Outcome<SessionInfo> outcome) {
    if (outcome) {
        if (backoff_) backoff_->reset();
        if (on_join_) {
            try {
                on_join_(outcome.value());
            } catch (const std::exception& e) {
                log(std::string("on_join threw: ") + e.what());
            }
        }
        return;
    }
    const auto& e = outcome.error();
    last_close_ = CloseInfo{e.uri, e.message(), stopping_};
    // A lost connection is retried (on_closed follows); a refusal (ABORT, failed authentication) is final.
    if (e.uri != uris::transport_lost && !stopping_) {
        log("join refused: " + e.uri + (e.message().empty() ? "" : " (" + e.message() + ")"));
        give_up_ = true;
    }
}

void Client::on_session_closed(const CloseInfo& info) {
    last_close_ = info;
    if (on_leave_) {
        try {
            on_leave_(info);
        } catch (const std::exception& e) {
            log(std::string("on_leave threw: ") + e.what());
        }
    }
}

void Client::on_closed(std::uint64_t generation, std::string why, bool was_open) {
    if (generation != generation_) return;
    transport_.reset();
    if (!was_open) last_close_ = CloseInfo{std::string(uris::connect_failed), why, stopping_};
    // Fails whatever was pending and reports a joined session's end through on_session_closed.
    session_.transport_closed(why);
    if (stopping_ || give_up_) return finish_stop();
    retry_or_stop();
}

void Client::retry_or_stop() {
    std::optional<std::chrono::milliseconds> delay;
    if (backoff_) delay = backoff_->next(std::uniform_real_distribution<double>(0.0, 1.0)(random_));
    if (!delay) {
        if (backoff_) log("giving up after " + std::to_string(backoff_->attempts()) + " reconnect attempts");
        return finish_stop();
    }
    log("reconnecting to " + options_.url + " in " + std::to_string(delay->count()) + " ms (" + last_close_.reason +
        (last_close_.message.empty() ? "" : ": " + last_close_.message) + ")");
    waiting_to_retry_ = true;
    retry_timer_.expires_after(*delay);
    retry_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        auto me = weak.lock();
        if (!me || ec || !me->waiting_to_retry_) return;
        me->waiting_to_retry_ = false;
        me->connect();
    });
}

void Client::finish_stop() {
    if (!started_) return;  // a stop() from on_leave may have finished already; report the end once
    started_ = false;
    auto done = std::move(stop_done_);
    stop_done_.clear();
    for (auto& d : done) {
        if (!d) continue;
        try {
            d(Status(Done{}));
        } catch (const std::exception& e) {
            log(std::string("a stop() callback threw: ") + e.what());
        }
    }
    if (on_stop_) {
        try {
            on_stop_(last_close_);
        } catch (const std::exception& e) {
            log(std::string("on_stop threw: ") + e.what());
        }
    }
}

bool Client::send(const Message& m) { return transport_ && transport_->send(m); }

void Client::close() {
    if (transport_) transport_->close();
}

}  // namespace flyover::client
