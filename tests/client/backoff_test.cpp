// The reconnect schedule: exponential, capped, jittered within bounds, bounded attempts, reset on success.

#include <catch2/catch.hpp>

#include "client/backoff.hpp"

using namespace flyover::client;
using std::chrono::milliseconds;

TEST_CASE("without jitter the delays double up to the cap", "[client][backoff]") {
    Backoff b(ReconnectPolicy{milliseconds(500), milliseconds(5000), 2.0, 0.0, 0});
    std::vector<long> delays;
    for (int i = 0; i < 7; ++i) delays.push_back(b.next(0.5)->count());
    CHECK(delays == std::vector<long>{500, 1000, 2000, 4000, 5000, 5000, 5000});
    CHECK(b.attempts() == 7);
}

TEST_CASE("jitter scales each delay within [1 - jitter, 1 + jitter], never above the cap", "[client][backoff]") {
    ReconnectPolicy p{milliseconds(1000), milliseconds(1500), 2.0, 0.2, 0};
    Backoff low(p), mid(p), high(p);
    CHECK(low.next(0.0)->count() == 800);
    CHECK(mid.next(0.5)->count() == 1000);
    CHECK(high.next(0.999999)->count() == 1200);
    // The second attempt's base (2000) is capped at 1500 first; jitter then cannot push it above the cap.
    CHECK(low.next(0.0)->count() == 1200);
    CHECK(high.next(1.0)->count() == 1500);
    for (double r = 0; r < 1; r += 0.01) {
        Backoff b(p);
        b.next(r);
        auto d = b.next(r)->count();
        CHECK(d >= 1200);
        CHECK(d <= 1500);
    }
}

TEST_CASE("max_attempts ends the schedule; reset starts it over", "[client][backoff]") {
    Backoff b(ReconnectPolicy{milliseconds(100), milliseconds(1000), 3.0, 0.0, 3});
    CHECK(b.next(0.5)->count() == 100);
    CHECK(b.next(0.5)->count() == 300);
    CHECK(b.next(0.5)->count() == 900);
    CHECK_FALSE(b.next(0.5).has_value());
    CHECK_FALSE(b.next(0.5).has_value());
    b.reset();
    CHECK(b.attempts() == 0);
    CHECK(b.next(0.5)->count() == 100);
}

TEST_CASE("odd policies stay sane", "[client][backoff]") {
    SECTION("a multiplier below 1 does not shrink delays") {
        Backoff b(ReconnectPolicy{milliseconds(100), milliseconds(1000), 0.5, 0.0, 0});
        CHECK(b.next(0)->count() == 100);
        CHECK(b.next(0)->count() == 100);
    }
    SECTION("an initial delay above the cap is capped") {
        Backoff b(ReconnectPolicy{milliseconds(5000), milliseconds(1000), 2.0, 0.0, 0});
        CHECK(b.next(0.5)->count() == 1000);
    }
    SECTION("thousands of attempts do not overflow") {
        Backoff b(ReconnectPolicy{milliseconds(1), milliseconds(30000), 10.0, 0.5, 0});
        std::optional<milliseconds> d;
        for (int i = 0; i < 5000; ++i) d = b.next(0.7);
        CHECK(d->count() <= 30000);
        CHECK(d->count() > 0);
    }
    SECTION("out-of-range random numbers are clamped") {
        Backoff b(ReconnectPolicy{milliseconds(1000), milliseconds(10000), 2.0, 0.5, 0});
        CHECK(b.next(-3)->count() == 500);
        CHECK(b.next(7)->count() == 3000);
    }
}
