// `list`: the catalogue's models, hardware or prices, one JSON object per entry.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/catalog.h"

namespace rightsize::app {

// what: "models" | "hardware" | "prices"; anything else is an InputError, and so is an empty
// list (a wrong models folder far more often than an empty catalogue).
std::vector<nlohmann::json> ListRows(const Catalog& catalog, const std::string& what);
// The keys of those rows in the order a table shows them (what names the entry first).
std::vector<std::string> ListColumns(const std::string& what);

}  // namespace rightsize::app
