// fastzonectl: the operator's tool. main() only: check a configuration or a zone file.
#include <cstdio>
#include <string>

#include "control/config.h"
#include "control/loader.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage:\n"
                 "  fastzonectl check -c CONFIG        validate a configuration and every zone in it\n"
                 "  fastzonectl check-zone ORIGIN FILE validate one zone file (like kzonecheck)\n");
}

int check_config(const std::string& path) {
    auto config = fz::control::load_config(path);
    if (!config) {
        std::fprintf(stderr, "error: %s\n", config.error().to_string().c_str());
        return 1;
    }
    fz::control::LoadReport report;
    auto snap = fz::control::build_snapshot(*config, &report);
    if (!snap) {
        std::fprintf(stderr, "error: %s\n", snap.error().to_string().c_str());
        return 1;
    }
    for (const auto& w : report.warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
    for (const auto& z : (*snap)->zones) {
        const auto& h = z->header();
        std::printf("%s: %u records, %u names, %zu image bytes\n",
                    fz::dns::wire_name_to_text(h.apex_name).c_str(), h.record_count, h.node_count, z->size());
    }
    std::printf("%s: OK (%zu zones, %zu records)\n", path.c_str(), report.zones, report.records);
    return 0;
}

int check_zone(const std::string& origin_text, const std::string& file) {
    std::string text = origin_text;
    if (text.empty() || text.back() != '.') text += '.';
    auto origin = fz::dns::name_from_text(text, nullptr);
    if (!origin) {
        std::fprintf(stderr, "error: bad origin '%s': %s\n", origin_text.c_str(), origin.error().message.c_str());
        return 2;
    }
    auto src = fz::zone::parse_zone_file(file, *origin);
    if (!src) {
        std::fprintf(stderr, "error: %s\n", src.error().to_string().c_str());
        return 1;
    }
    for (const auto& w : src->warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
    auto st = fz::zone::check_zone(*src);
    if (!st) {
        std::fprintf(stderr, "error: %s\n", st.error().to_string().c_str());
        return 1;
    }
    auto image = fz::zone::compile_zone(*src);
    if (!image) {
        std::fprintf(stderr, "error: %s\n", image.error().to_string().c_str());
        return 1;
    }
    std::printf("%s: OK (%zu records, %u names)\n", file.c_str(), src->records.size(), (*image)->header().node_count);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage();
        return 2;
    }
    std::string cmd = argv[1];
    if (cmd == "check") {
        std::string config;
        for (int i = 2; i < argc; ++i) {
            std::string a = argv[i];
            if ((a == "-c" || a == "--config") && i + 1 < argc) config = argv[++i];
        }
        if (config.empty()) {
            usage();
            return 2;
        }
        return check_config(config);
    }
    if (cmd == "check-zone" && argc == 4) return check_zone(argv[2], argv[3]);
    usage();
    return 2;
}
