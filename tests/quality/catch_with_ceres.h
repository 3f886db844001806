// Include this instead of <catch2/catch.hpp> in tests that also see Ceres.
//
// Ceres pulls in glog, whose logging.h defines CHECK(condition) (abort on failure, nothing
// counted). Whichever header comes last owns the macro, and both are system headers, so the
// compiler does not warn: a test that includes catch.hpp before a Ceres header silently runs
// glog's CHECK. Including glog first and Catch second, here, makes CHECK Catch's in every file
// that includes this header, whatever the include order after it (both headers are guarded).
#pragma once

#include <ceres/ceres.h>
#include <catch2/catch.hpp>
