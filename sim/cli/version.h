// `rightsize --version`: the project version (CMake's project(VERSION)) and the git commit of the
// catalogue (models/, data/) the binary was built from, recorded at build time
// (cmake/build_info.cmake).
#pragma once

#include <string>

namespace rightsize {

// "rightsize 0.1.0 (catalogue commit <40-hex sha>)"; the commit is "unknown" for a build outside
// a git checkout and ends in "-dirty" when models/ or data/ had uncommitted changes.
std::string VersionText();

}  // namespace rightsize
