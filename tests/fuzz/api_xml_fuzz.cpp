// Fuzz target for the API's ChangeBatch XML reader: any bytes must give a batch or a
// Route 53 error, never a crash; every batch read must print as Route 53's XML and read
// back as the same record sets.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/change_batch.h"
#include "api/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fz;
    static const dns::Name origin = *dns::name_from_text("example.com.", nullptr);
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto batch = api::parse_change_batch(text, origin);
    if (!batch.ok()) {
        if (batch.error().code != "InvalidInput" && batch.error().code != "InvalidChangeBatch") std::abort();
        return 0;
    }
    pugi::xml_document doc;
    pugi::xml_node changes =
        api::xml::start(doc, "ChangeResourceRecordSetsRequest").append_child("ChangeBatch").append_child("Changes");
    for (const change::Change& c : batch.value().changes) {
        pugi::xml_node n = changes.append_child("Change");
        api::xml::add_text(n, "Action", change::action_name(c.action));
        api::xml::write_record_set(n, c.record_set);
    }
    auto again = api::parse_change_batch(api::xml::to_string(doc), origin);
    if (!again.ok() || again.value().changes.size() != batch.value().changes.size()) {
        std::fprintf(stderr, "round trip failed: %s\n", again.ok() ? "count" : again.error().message.c_str());
        std::abort();
    }
    for (size_t i = 0; i < again.value().changes.size(); ++i) {
        if (!change::same_record_set(again.value().changes[i].record_set, batch.value().changes[i].record_set)) {
            std::fprintf(stderr, "round trip changed %s\n",
                         change::describe_for_route53(batch.value().changes[i].record_set).c_str());
            std::abort();
        }
    }
    return 0;
}
