#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "router/static_files.hpp"

using namespace flyover::router;
namespace fs = std::filesystem;

namespace {
struct TempSite {
    fs::path root = fs::temp_directory_path() / ("flyover-static-" + std::to_string(::getpid()));
    TempSite() {
        fs::create_directories(root / "sub");
        std::ofstream(root / "index.html") << "<h1>home</h1>";
        std::ofstream(root / "app.js") << "1";
        std::ofstream(root / "sub" / "index.html") << "sub";
        std::ofstream(root / "a b.css") << "x";
        std::ofstream(root / ".secret") << "x";
        std::ofstream(root.parent_path() / ("flyover-outside-" + std::to_string(::getpid()))) << "outside";
    }
    ~TempSite() {
        fs::remove_all(root);
        fs::remove(root.parent_path() / ("flyover-outside-" + std::to_string(::getpid())));
    }
};
}  // namespace

TEST_CASE("static targets resolve inside the root only", "[router][static]") {
    TempSite site;
    auto r = [&](std::string_view t) { return resolve_static_file(site.root, t); };
    REQUIRE(r("/"));
    CHECK(r("/")->filename() == "index.html");
    CHECK(r("/app.js?v=3"));
    CHECK(r("/sub/")->parent_path().filename() == "sub");
    CHECK(r("/sub"));
    CHECK(r("/a%20b.css"));
    CHECK_FALSE(r("/missing.js"));
    CHECK_FALSE(r("/.secret"));
    std::string outside = "/../flyover-outside-" + std::to_string(::getpid());
    CHECK_FALSE(r(outside));
    CHECK_FALSE(r("/%2e%2e/flyover-outside-" + std::to_string(::getpid())));
    CHECK_FALSE(r("/sub/%2E%2E/%2E%2E/etc/passwd"));
    CHECK_FALSE(r("/..%2fetc/passwd"));
    CHECK_FALSE(r("/app.js%00.html"));
    CHECK_FALSE(r("/bad%zz"));
    CHECK_FALSE(r("relative"));
    CHECK_FALSE(r(""));
}

TEST_CASE("content types follow the extension", "[router][static]") {
    CHECK(mime_type("index.html") == "text/html; charset=utf-8");
    CHECK(mime_type("app.JS") == "text/javascript; charset=utf-8");
    CHECK(mime_type("style.css") == "text/css; charset=utf-8");
    CHECK(mime_type("x.json") == "application/json");
    CHECK(mime_type("logo.svg") == "image/svg+xml");
    CHECK(mime_type("noext") == "application/octet-stream");
}
