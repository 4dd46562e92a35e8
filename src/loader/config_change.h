// Reading the change path's keys of the configuration (api, store, keys, acl). Internal
// to src/loader: load_config() calls it.
#pragma once

#include "loader/config.h"
#include "loader/config_reader.h"

namespace fz::loader {

// Reads api, store, keys and acl from `root` into `c` (whose zones are read already) and
// checks the references between them.
Status read_change_config(const Reader& rd, const YAML::Node& root, Config& c);

// increment | unixtime | dateserial.
Result<change::SerialPolicy> read_serial_policy(const Reader& rd, const YAML::Node& n, const std::string& key);

}  // namespace fz::loader
