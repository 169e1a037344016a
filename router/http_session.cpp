#include "router/http_session.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include "router/log.hpp"
#include "router/static_files.hpp"
#include "router/websocket_session.hpp"
#include "router/ws_handshake.hpp"

namespace flyover::router {
namespace {

/// The first subprotocol in the client's list (comma-separated, in its order of preference) that we speak.
const Codec* pick_codec(std::string_view offered) {
    while (!offered.empty()) {
        auto comma = offered.find(',');
        auto item = offered.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (auto c = codec_for_subprotocol(item)) return c;
        if (comma == std::string_view::npos) break;
        offered.remove_prefix(comma + 1);
    }
    return nullptr;
}

bool origin_allowed(const ListenerConfig& l, std::string_view origin) {
    if (origin.empty()) return true;  // not a browser: Origin checks protect browsers' users only
    for (auto& o : l.allowed_origins)
        if (o == "*" || o == origin) return true;
    return false;
}

http::response<http::string_body> text_response(const http::request<http::string_body>& req, http::status status,
                                                std::string body, std::string_view type = "text/plain; charset=utf-8") {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "flyover/" FLYOVER_VERSION);
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace

HttpSession::HttpSession(Socket&& socket, Hub& hub, const ListenerConfig& listener)
    : stream_(std::move(socket)), hub_(hub), listener_(listener) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    peer_address_ = ec ? "unknown" : "tcp:" + ep.address().to_string() + ":" + std::to_string(ep.port());
}

void HttpSession::run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(64 * 1024);
    // A client that does not finish its request (or its upgrade) in time is dropped.
    stream_.expires_after(std::chrono::milliseconds(listener_.handshake_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
    }
    if (ec) {
        if (ec == beast::error::timeout) log_info(peer_address_ + ": HTTP request or handshake not completed in time; closed");
        else if (ec != net::error::operation_aborted && ec != net::error::connection_reset)
            log_debug(peer_address_ + ": HTTP read failed: " + ec.message());
        return;
    }
    auto req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    serve(std::move(req));
}

void HttpSession::upgrade(http::request<http::string_body>&& req) {
    auto target = std::string_view(req.target());
    target = target.substr(0, target.find('?'));
    if (target != listener_.websocket_path) {
        return write(text_response(req, http::status::not_found,
                                   "no WebSocket endpoint at this path; WAMP is served at " + listener_.websocket_path + "\n"));
    }
    auto origin = req[http::field::origin];
    if (!origin_allowed(listener_, std::string_view(origin.data(), origin.size()))) {
        log_warn(peer_address_ + ": WebSocket refused: Origin \"" + std::string(origin) + "\" is not in allowed_origins");
        return write(text_response(req, http::status::forbidden, "Origin not allowed\n"));
    }
    auto offered = req[http::field::sec_websocket_protocol];
    const Codec* codec = pick_codec(std::string_view(offered.data(), offered.size()));
    if (!codec) {
        log_info(peer_address_ + ": WebSocket refused: no WAMP subprotocol offered (got \"" + std::string(offered) + "\")");
        auto res = text_response(req, http::status::bad_request,
                                 "No supported WAMP subprotocol offered. This router speaks: wamp.2.json, wamp.2.msgpack\n");
        res.keep_alive(false);
        return write(std::move(res));
    }
    bool wrong_version = false;
    if (auto problem = websocket_handshake_problem(req, &wrong_version)) {
        log_info(peer_address_ + ": WebSocket refused: " + *problem);
        auto res = text_response(req, wrong_version ? http::status::upgrade_required : http::status::bad_request, *problem + "\n");
        if (wrong_version) res.set(http::field::sec_websocket_version, "13");
        res.keep_alive(false);
        return write(std::move(res));
    }
    std::string peer = peer_address_;
    if (auto fwd = req.find("X-Forwarded-For"); fwd != req.end()) peer += " (forwarded for " + std::string(fwd->value()) + ")";
    auto res = std::make_shared<http::response<http::empty_body>>(websocket_accept_response(req, codec->subprotocol()));
    response_ = res;
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&HttpSession::on_upgraded, shared_from_this(), codec, std::move(peer)));
}

void HttpSession::on_upgraded(const Codec* codec, std::string peer, beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec) {
        log_info(peer_address_ + ": WebSocket handshake failed: " + ec.message());
        return;
    }
    // From here the connection speaks WebSocket frames; bytes the client sent after its upgrade request
    // (already in our buffer) are its first frames.
    stream_.expires_never();
    auto early = buffer_.data();
    std::string early_bytes(static_cast<const char*>(early.data()), early.size());
    std::make_shared<WebSocketSession>(stream_.release_socket(), hub_, listener_, *codec, std::move(peer))
        ->run(early_bytes);
}

void HttpSession::serve(http::request<http::string_body>&& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
        return write(text_response(req, http::status::method_not_allowed, "only GET and HEAD are served\n"));
    auto target = std::string_view(req.target());
    auto path_only = target.substr(0, target.find('?'));
    if (path_only == "/health") {
        auto body = std::string("{\"status\":\"ok\",\"sessions\":") + std::to_string(hub_.live_sessions()) + "}\n";
        return write(text_response(req, http::status::ok, std::move(body), "application/json"));
    }
    if (listener_.static_dir.empty()) return write(text_response(req, http::status::not_found, "not found\n"));
    auto file = resolve_static_file(listener_.static_dir, target);
    if (!file) return write(text_response(req, http::status::not_found, "not found\n"));

    beast::error_code ec;
    http::file_body::value_type body;
    body.open(file->c_str(), beast::file_mode::scan, ec);
    if (ec) return write(text_response(req, http::status::not_found, "not found\n"));
    auto size = body.size();
    if (req.method() == http::verb::head) {
        http::response<http::empty_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "flyover/" FLYOVER_VERSION);
        res.set(http::field::content_type, mime_type(file->filename().string()));
        res.content_length(size);
        res.keep_alive(req.keep_alive());
        return write(std::move(res));
    }
    http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(http::status::ok, req.version())};
    res.set(http::field::server, "flyover/" FLYOVER_VERSION);
    res.set(http::field::content_type, mime_type(file->filename().string()));
    res.set(http::field::cache_control, "no-cache");
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    write(std::move(res));
}

template <class Response>
void HttpSession::write(Response&& res) {
    auto sp = std::make_shared<std::decay_t<Response>>(std::forward<Response>(res));
    response_ = sp;
    bool keep_alive = sp->keep_alive();
    http::async_write(stream_, *sp,
                      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec) return;
    if (!keep_alive) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
    }
    do_read();
}

}  // namespace flyover::router
