// Short names for the catalogue lookups the tests make (models/ as shipped).
#pragma once

#include <string>

#include "sim/spec/catalog.h"

inline const rightsize::Catalog& Cat() { return rightsize::Catalog::Default(); }
inline const rightsize::ModelSpec& Model(const std::string& id) { return Cat().Model(id); }
inline const rightsize::HardwareSpec& Hw(const std::string& id) { return Cat().Hardware(id); }
