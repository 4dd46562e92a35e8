// Reading the fleet's keys of the configuration (node, health, anycast). Internal to
// src/loader: load_config() calls it.
#pragma once

#include "loader/config.h"
#include "loader/config_reader.h"

namespace fz::loader {

Status read_fleet_config(const Reader& rd, const YAML::Node& root, Config& c);

}  // namespace fz::loader
