// Force-included first in every test translation unit (cmake/RightsizeModule.cmake).
//
// Ceres pulls in glog, whose logging.h defines CHECK(condition) (abort on failure, nothing
// counted); Catch2 defines CHECK too. Both are system headers, so a redefinition is silent and
// whichever comes last wins. Including Ceres (and so glog) first and Catch second here makes
// CHECK Catch's in every test file, whatever that file includes afterwards (both headers are
// include-guarded), while Ceres' own headers still see glog's CHECK.
#pragma once

#include <ceres/ceres.h>  // brings glog
#include <catch2/catch.hpp>
