// fastzonectl: the operator's tool. main() only: talks to fastzoned's control socket, or
// validates configurations and zone files offline.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "common/text.h"
#include "daemon/control_socket.h"
#include "dns/rrtype.h"
#include "dnssec/keys.h"
#include "engine/explain.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "policy/rng.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"
#include "zone/rdata_text.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: fastzonectl [-s SOCKET | -c CONFIG] COMMAND [ARGS]\n"
                 "commands sent to the running fastzoned (socket: -s, else control.socket of -c CONFIG,\n"
                 "else the default path):\n"
                 "  status                      zones served, snapshot generation, reloads\n"
                 "  reload                      re-read configuration and data (SIGHUP does the same)\n"
                 "  stats                       counters: queries, rcodes, zones, record sets chosen\n"
                 "  health                      every health check: state, last result, last change\n"
                 "  fleet                       the fleet's servers (store.etcd): revision served, lag\n"
                 "  explain NAME TYPE [--client IP] [--ecs PREFIX]\n"
                 "                              the answer a client gets, and why (routing policies)\n"
                 "  metrics                     the Prometheus text the metrics endpoint serves\n"
                 "  import ORIGIN               move a configured zone into the store: it then takes\n"
                 "                              changes (API, UPDATE) and its zone file is no longer read\n"
                 "  export ORIGIN [--json]      a zone as a zone file, or as Route 53 record-set JSON\n"
                 "  stop                        stop the server\n"
                 "offline (no server needed):\n"
                 "  check -c CONFIG             validate a configuration and all its data\n"
                 "  check-zone ORIGIN FILE      validate one zone file (like kzonecheck)\n"
                 "  sign-zone -c CONFIG ORIGIN  print a zone of zones[].dnssec as fastzone signs it\n"
                 "  dnssec keygen ORIGIN DIR [--algorithm 13|15] [--ksk]\n"
                 "  dnssec roll-zsk ORIGIN DIR [--prepublish 1d] [--retire 15d]\n"
                 "                         a new ZSK published now, signing after prepublish,\n"
                 "                         the old one removed retire later (reload to start)\n"
                 "  dnssec retire ORIGIN DIR TAG [--after 1d]\n"
                 "                         key TAG stops signing and leaves the DNSKEY RRset then\n"
                 "  dnssec list ORIGIN DIR   each key: tag, KSK or ZSK, state, timing (UTC)\n"
                 "                              a signing key in BIND's format (.private 0600)\n"
                 "  explain ... --offline -c CONFIG   explain from the files, every check healthy\n");
}

int check_config(const std::string& path) {
    auto config = fz::loader::load_config(path);
    if (!config) {
        std::fprintf(stderr, "error: %s\n", config.error().to_string().c_str());
        return 1;
    }
    fz::loader::LoadReport report;
    auto snap = fz::loader::build_snapshot(*config, &report);
    if (!snap) {
        std::fprintf(stderr, "error: %s\n", snap.error().to_string().c_str());
        return 1;
    }
    for (const auto& w : report.warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
    for (const auto& z : (*snap)->zones) {
        const auto& h = z->header();
        std::printf("%s: %u records, %u names, %u routing policies, %zu image bytes\n",
                    fz::dns::wire_name_to_text(h.apex_name).c_str(), h.record_count, h.node_count, h.policy_count,
                    z->size());
    }
    std::printf("%s: OK (%zu zones, %zu records)\n", path.c_str(), report.zones, report.records);
    return 0;
}

// A zone origin from the command line, the final dot optional; nullopt (said on stderr)
// when it is no name.
std::optional<fz::dns::Name> origin_argument(const std::string& origin_text) {
    std::string text = origin_text;
    if (text.empty() || text.back() != '.') text += '.';
    auto origin = fz::dns::name_from_text(text, nullptr);
    if (!origin) {
        std::fprintf(stderr, "error: bad origin '%s': %s\n", origin_text.c_str(), origin.error().message.c_str());
        return std::nullopt;
    }
    return *origin;
}

// A key command's outcome: its text on stdout (0), or the error on stderr (1).
int print_outcome(const fz::Result<std::string>& r, const char* suffix = "") {
    if (!r) {
        std::fprintf(stderr, "error: %s\n", r.error().to_string().c_str());
        return 1;
    }
    std::printf("%s%s\n", r->c_str(), suffix);
    return 0;
}

// dnssec keygen ORIGIN DIR [--algorithm N] [--ksk]: prints the key's base name.
int dnssec_keygen(const std::vector<std::string>& words) {
    if (words.size() < 4) {
        usage();
        return 2;
    }
    uint8_t algorithm = fz::dnssec::kEcdsaP256Sha256;
    bool ksk = false;
    for (size_t i = 4; i < words.size(); ++i) {
        if (words[i] == "--ksk") {
            ksk = true;
        } else if (words[i] == "--algorithm" && i + 1 < words.size()) {
            algorithm = static_cast<uint8_t>(std::atoi(words[++i].c_str()));
        } else {
            usage();
            return 2;
        }
    }
    auto origin = origin_argument(words[2]);
    if (!origin) return 2;
    return print_outcome(fz::dnssec::generate_key(words[3], *origin, algorithm, ksk));
}

// dnssec roll-zsk ORIGIN DIR [--prepublish DURATION] [--retire DURATION]: starts a
// pre-publish ZSK rollover (dnssec::roll_zsk); prints the new key's base name.
int dnssec_roll_zsk(const std::vector<std::string>& words) {
    if (words.size() < 4) {
        usage();
        return 2;
    }
    uint32_t prepublish = 86400, retire = 15 * 86400;  // a day for caches; validity (14d) and a day
    for (size_t i = 4; i + 1 < words.size(); i += 2) {
        auto v = fz::zone::duration_from_text(words[i + 1], 366u * 86400u);
        if (!v || (words[i] != "--prepublish" && words[i] != "--retire")) {
            usage();
            return 2;
        }
        (words[i] == "--prepublish" ? prepublish : retire) = *v;
    }
    if (words.size() % 2 != 0) {
        usage();
        return 2;
    }
    auto origin = origin_argument(words[2]);
    if (!origin) return 2;
    fz::dnssec::KeyFolder folder(words[3], *origin);
    return print_outcome(fz::dnssec::roll_zsk(folder, *origin, std::time(nullptr), prepublish, retire));
}

// dnssec retire ORIGIN DIR TAG [--after DURATION]: ends a key (dnssec::retire_key).
int dnssec_retire(const std::vector<std::string>& words) {
    uint32_t after = 0;
    if (words.size() == 7 && words[5] == "--after") {
        auto v = fz::zone::duration_from_text(words[6], 366u * 86400u);
        if (!v) {
            usage();
            return 2;
        }
        after = *v;
    } else if (words.size() != 5) {
        usage();
        return 2;
    }
    auto origin = origin_argument(words[2]);
    if (!origin) return 2;
    const std::string when = ": Inactive and Delete in " + std::to_string(after) + " s (reload to apply)";
    fz::dnssec::KeyFolder folder(words[3], *origin);
    return print_outcome(fz::dnssec::retire_key(folder, *origin, static_cast<uint16_t>(std::atoi(words[4].c_str())),
                                                std::time(nullptr), after),
                         when.c_str());
}

// dnssec list ORIGIN DIR: every key with its role, tag and state now.
int dnssec_list(const std::vector<std::string>& words) {
    if (words.size() != 4) {
        usage();
        return 2;
    }
    auto origin = origin_argument(words[2]);
    if (!origin) return 2;
    auto keys = fz::dnssec::load_keys(words[3], *origin);
    if (!keys) {
        std::fprintf(stderr, "error: %s\n", keys.error().to_string().c_str());
        return 1;
    }
    const int64_t now = std::time(nullptr);
    auto when = [](int64_t t) { return t == 0 ? std::string("-") : fz::format_utc(t, "%Y%m%d%H%M%S"); };
    std::printf("%-6s %-4s %-3s %-10s %-14s %-14s %-14s %s\n", "tag", "role", "alg", "state", "publish", "activate",
                "inactive", "delete");
    for (const auto& k : *keys) {
        const char* state = k.active(now)      ? "active"
                            : k.published(now) ? (k.inactive != 0 && k.inactive <= now ? "retired" : "published")
                                               : (k.publish > now ? "pending" : "deleted");
        std::printf("%-6u %-4s %-3u %-10s %-14s %-14s %-14s %s\n", k.tag, k.ksk() ? "KSK" : "ZSK", k.algorithm, state,
                    when(k.publish).c_str(), when(k.activate).c_str(), when(k.inactive).c_str(),
                    when(k.remove).c_str());
    }
    return 0;
}

// The zone as a load signs it, in zone-file form on stdout (for ldns-verify-zone and the like).
int sign_zone(const std::string& config_path, const std::string& origin_text) {
    auto config = fz::loader::load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "error: %s\n", config.error().to_string().c_str());
        return 1;
    }
    auto origin = origin_argument(origin_text);
    if (!origin) return 2;
    const auto zc = std::find_if(config->zones.begin(), config->zones.end(),
                                 [&](const fz::loader::ZoneConfig& z) { return z.origin == *origin; });
    if (zc == config->zones.end() || !zc->dnssec) {
        std::fprintf(stderr, "error: %s has no zone %s with dnssec\n", config_path.c_str(), origin_text.c_str());
        return 2;
    }
    fz::loader::LoadReport report;
    auto src = fz::loader::load_zone(*zc, &report.warnings);
    auto st = !src ? fz::Result<fz::loader::SigningTimes>(src.error())
                   : fz::loader::sign_zone(*zc->dnssec, *src, report);
    if (!st) {
        std::fprintf(stderr, "error: %s\n", st.error().to_string().c_str());
        return 1;
    }
    for (const auto& r : src->records) {
        std::printf("%s %u IN %s %s\n", r.owner.to_text().c_str(), r.ttl, fz::dns::type_to_text(r.type).c_str(),
                    fz::zone::rdata_to_text(r.type, r.rdata).c_str());
    }
    return 0;
}

int check_zone(const std::string& origin_text, const std::string& file) {
    auto origin = origin_argument(origin_text);
    if (!origin) return 2;
    auto src = fz::zone::parse_zone_file(file, *origin);
    if (!src) {
        std::fprintf(stderr, "error: %s\n", src.error().to_string().c_str());
        return 1;
    }
    std::vector<fz::Error> warnings = src->warnings;
    auto st = fz::zone::check_zone(*src, &warnings);
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
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

// Offline explain: over a snapshot built from the files (every health check healthy).
int explain_offline(const std::string& config_path, const std::string& args) {
    auto request = fz::engine::parse_explain_request(args);
    if (!request) {
        std::fprintf(stderr, "error: %s\n", request.error().to_string().c_str());
        return 1;
    }
    auto config = fz::loader::load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "error: %s\n", config.error().to_string().c_str());
        return 1;
    }
    auto snap = fz::loader::build_snapshot(*config, nullptr);
    if (!snap) {
        std::fprintf(stderr, "error: %s\n", snap.error().to_string().c_str());
        return 1;
    }
    std::fputs(fz::engine::explain_query(**snap, *request, fz::policy::entropy_seed()).c_str(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path, config_path;
    bool offline = false;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-s" || a == "--socket") && i + 1 < argc) {
            socket_path = argv[++i];
        } else if ((a == "-c" || a == "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "--offline") {
            offline = true;
        } else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            words.push_back(a);
        }
    }
    if (words.empty()) {
        usage();
        return 2;
    }
    const std::string& cmd = words[0];
    if (cmd == "check") {
        if (config_path.empty() && words.size() == 2) config_path = words[1];
        if (config_path.empty()) {
            usage();
            return 2;
        }
        return check_config(config_path);
    }
    if (cmd == "dnssec" && words.size() >= 2 && words[1] == "keygen") return dnssec_keygen(words);
    if (cmd == "dnssec" && words.size() >= 2 && words[1] == "roll-zsk") return dnssec_roll_zsk(words);
    if (cmd == "dnssec" && words.size() >= 2 && words[1] == "retire") return dnssec_retire(words);
    if (cmd == "dnssec" && words.size() >= 2 && words[1] == "list") return dnssec_list(words);
    if (cmd == "sign-zone") {
        if (config_path.empty() || words.size() != 2) {
            usage();
            return 2;
        }
        return sign_zone(config_path, words[1]);
    }
    if (cmd == "check-zone") {
        if (words.size() != 3) {
            usage();
            return 2;
        }
        return check_zone(words[1], words[2]);
    }
    std::string line;
    for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
    if (cmd == "explain" && offline) {
        if (config_path.empty()) {
            std::fprintf(stderr, "error: explain --offline needs -c CONFIG\n");
            return 2;
        }
        return explain_offline(config_path, line.substr(7));
    }
    if (socket_path.empty() && !config_path.empty()) {
        auto cfg = fz::loader::load_config(config_path);
        if (!cfg) {
            std::fprintf(stderr, "error: %s\n", cfg.error().to_string().c_str());
            return 2;
        }
        socket_path = cfg->control_socket;
    }
    if (socket_path.empty()) socket_path = fz::daemon::default_control_socket();
    auto reply = fz::daemon::control_request(socket_path, line);
    if (!reply) {
        std::fprintf(stderr, "error: %s\n", reply.error().to_string().c_str());
        return 2;
    }
    const std::string& text = *reply;
    size_t nl = text.find('\n');
    std::string status = text.substr(0, nl);
    std::string body = nl == std::string::npos ? "" : text.substr(nl + 1);
    std::fputs(body.c_str(), status == "ok" ? stdout : stderr);
    return status == "ok" ? 0 : 1;
}
