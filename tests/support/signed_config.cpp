#include "tests/support/signed_config.h"

#include <stdlib.h>

#include <filesystem>

#include "dnssec/keys.h"
#include "loader/config.h"
#include "loader/loader.h"

namespace fz::test {

Result<std::unique_ptr<engine::Snapshot>> signed_snapshot_of_config(const std::string& path) {
    auto config = loader::load_config(path);
    if (!config) return config.error();
    char dir[] = "/tmp/fz-test-keys-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return Error{"/tmp", 0, "cannot make a folder for the keys"};
    for (auto& zone : config->zones) {
        for (bool ksk : {true, false}) {
            auto k = dnssec::generate_key(dir, zone.origin, dnssec::kEcdsaP256Sha256, ksk);
            if (!k) {
                std::filesystem::remove_all(dir);
                return k.error();
            }
        }
        zone.dnssec = loader::DnssecConfig{};
        zone.dnssec->keys_dir = dir;
    }
    auto built = loader::build_snapshot(*config, nullptr);
    std::filesystem::remove_all(dir);  // loaded: the keys are in memory
    return built;
}

}  // namespace fz::test
