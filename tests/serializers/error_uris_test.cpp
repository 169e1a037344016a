#include <catch2/catch.hpp>

#include "serializers/error_uris.hpp"
#include "serializers/uri.hpp"

using namespace flyover;

TEST_CASE("error and close URIs are strict URIs, in the reserved wamp namespace", "[serializers][uri]") {
    for (auto uri : {uris::invalid_uri, uris::no_such_procedure, uris::procedure_already_exists,
                     uris::no_such_registration, uris::no_such_subscription, uris::no_such_session,
                     uris::invalid_argument, uris::canceled, uris::timeout, uris::payload_size_exceeded,
                     uris::option_not_allowed, uris::option_disallowed_disclose_me, uris::feature_not_supported,
                     uris::unavailable, uris::no_available_callee, uris::not_authorized, uris::authorization_failed,
                     uris::authentication_failed, uris::no_auth_method, uris::no_such_realm, uris::no_such_role,
                     uris::protocol_violation, uris::system_shutdown, uris::close_realm, uris::goodbye_and_out,
                     uris::close_normal, uris::killed}) {
        INFO(uri);
        CHECK(is_valid_uri(uri, UriRule::strict));
        CHECK(is_reserved_uri(uri));
    }
}

TEST_CASE("Flyover's own close reason is strict but outside the reserved namespace", "[serializers][uri]") {
    CHECK(is_valid_uri(uris::slow_consumer, UriRule::strict));
    CHECK_FALSE(is_reserved_uri(uris::slow_consumer));
}
