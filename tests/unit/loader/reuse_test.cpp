// A build takes the previous image of a zone whose file did not change, and compiles
// again the ones whose file did (or that another zone's data could reach).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "loader/config.h"
#include "loader/loader.h"
#include "tests/unit/health/loopback_servers.h"

namespace fz::loader {
namespace {

class TwoZones : public ::testing::Test {
protected:
    void SetUp() override {
        write_zone("a.example.", "192.0.2.1");
        write_zone("b.example.", "192.0.2.2");
        std::ofstream(conf_) << "zones:\n  - origin: a.example.\n    file: a.example.zone\n"
                                "  - origin: b.example.\n    file: b.example.zone\n";
    }
    void write_zone(const std::string& origin, const std::string& www) {
        std::ofstream(dir_.path() + "/" + origin + "zone")
            << "$ORIGIN " << origin << "\n@ 3600 SOA ns1 h 1 7200 3600 1209600 300\n@ 3600 NS ns1\nns1 A 192.0.2.53\n"
            << "www 300 A " << www << "\n";
    }
    LoadReport build(const std::vector<CompiledFileZone>& reusable, std::unique_ptr<engine::Snapshot>* out = nullptr) {
        auto config = load_config(conf_);
        EXPECT_TRUE(config.ok());
        LoadReport report;
        auto snap = build_snapshot(*config, StoredInputs{}, &report, reusable);
        EXPECT_TRUE(snap.ok()) << snap.error().to_string();
        if (out != nullptr && snap.ok()) *out = std::move(*snap);
        return report;
    }
    health::testing::TempDir dir_;
    std::string conf_ = dir_.path() + "/fastzone.yaml";
};

TEST_F(TwoZones, AnUnchangedFileKeepsItsImageAndAChangedOneIsCompiledAgain) {
    LoadReport first = build({});
    ASSERT_EQ(first.file_zones.size(), 2u);
    EXPECT_EQ(first.reused, 0u);
    LoadReport again = build(first.file_zones);
    EXPECT_EQ(again.reused, 2u);
    EXPECT_EQ(again.file_zones[0].image, first.file_zones[0].image);
    EXPECT_EQ(again.records, first.records);

    write_zone("b.example.", "192.0.2.99 ; longer, so the size differs too");
    std::unique_ptr<engine::Snapshot> snap;
    LoadReport third = build(again.file_zones, &snap);
    EXPECT_EQ(third.reused, 1u);
    ASSERT_NE(snap, nullptr);
    ASSERT_EQ(snap->zones.size(), 2u);
    bool recompiled = false;
    for (const auto& z : third.file_zones) {
        if (z.origin.to_text() == "b.example.") recompiled = z.image != first.file_zones[1].image;
    }
    EXPECT_TRUE(recompiled);
}

TEST_F(TwoZones, AZoneWithAnotherAboveOrBelowItIsCompiledAgain) {
    std::ofstream(conf_, std::ios::app) << "  - origin: sub.a.example.\n    file: sub.a.example.zone\n";
    write_zone("sub.a.example.", "192.0.2.3");
    LoadReport first = build({});
    LoadReport again = build(first.file_zones);
    EXPECT_EQ(again.reused, 1u);  // b.example. only
}

}  // namespace
}  // namespace fz::loader
