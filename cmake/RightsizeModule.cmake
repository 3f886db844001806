# rs_add_module(NAME DEPS...): a static library rs_NAME from every .cc in the calling folder.
function(rs_add_module name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  add_library(rs_${name} STATIC ${sources})
  target_include_directories(rs_${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(rs_${name} PUBLIC ${ARGN})
endfunction()

# rs_add_test_module(NAME DEPS...): one Catch2 executable NAME_test from every *_test.cc in the
# calling folder (one executable per module keeps the 2-core CI build short); every case is
# registered with CTest.
function(rs_add_test_module name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  add_executable(${name}_test ${sources} $<TARGET_OBJECTS:rs_test_main>)
  target_link_libraries(${name}_test PRIVATE Catch2::Catch2 ${ARGN})
  target_include_directories(${name}_test PRIVATE ${CMAKE_SOURCE_DIR})
  # glog (via Ceres) and Catch2 both define CHECK; make Catch's win everywhere.
  target_compile_options(${name}_test PRIVATE -include ${CMAKE_SOURCE_DIR}/tests/catch_with_ceres.h)
  # Under the sanitizers (ASan + UBSan run numeric code ~100x slower) two kinds of case are left
  # to the ci preset: [heavy] ones, thousands of fit starts on real data whose code paths smaller
  # cases exercise, and [serial] ones, which time this machine's own work.
  if(RIGHTSIZE_SANITIZE)
    catch_discover_tests(${name}_test TEST_SPEC "~[heavy]~[serial]" WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                         PROPERTIES TIMEOUT 600)
    return()
  endif()
  # Cases tagged [serial] time this machine's own work (the measure harness): they run alone so
  # that other tests do not share their cores.
  set(has_serial FALSE)
  foreach(source ${sources})
    file(STRINGS ${source} serial_lines REGEX "\\[serial\\]")
    if(serial_lines)
      set(has_serial TRUE)
    endif()
  endforeach()
  if(has_serial)
    catch_discover_tests(${name}_test TEST_SPEC "~[serial]" WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                         PROPERTIES TIMEOUT 600)
    catch_discover_tests(${name}_test TEST_SPEC "[serial]" WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                         TEST_SUFFIX " (serial)" PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
  else()
    catch_discover_tests(${name}_test WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTIES TIMEOUT 600)
  endif()
endfunction()
