# rs_add_module(NAME SOURCES a.cc ... DEPS dep ...): the static library rs_NAME of the calling
# folder, from the sources listed (a new file is added here, by name).
function(rs_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;DEPS")
  add_library(rs_${name} STATIC ${arg_SOURCES})
  target_include_directories(rs_${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(rs_${name} PUBLIC ${arg_DEPS})
endfunction()

# rs_add_test_module(NAME SOURCES a_test.cc ... DEPS dep ...): one Catch2 executable NAME_test from
# the listed test files of the calling folder (one executable per module keeps the 2-core CI build short); every case is
# registered with CTest. Each CTest entry runs its case with `-w NoTests` (Catch2 v2's --warn
# NoTests), so an entry whose name matches no case fails instead of passing with "No test cases
# matched"; rs_add_test_inventory() checks that the entries and the cases are the same set.
function(rs_add_test_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;DEPS")
  set(sources ${arg_SOURCES})
  add_executable(${name}_test ${sources} $<TARGET_OBJECTS:rs_test_main>)
  target_link_libraries(${name}_test PRIVATE Catch2::Catch2 ${arg_DEPS})
  target_include_directories(${name}_test PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_definitions(${name}_test PRIVATE ${RIGHTSIZE_SOURCE_DIR_DEFINITION})
  # glog (via Ceres) and Catch2 both define CHECK; make Catch's win everywhere.
  target_compile_options(${name}_test PRIVATE -include ${CMAKE_SOURCE_DIR}/tests/catch_with_ceres.h)
  # Under the sanitizers (ASan + UBSan run numeric code ~100x slower) two kinds of case are left
  # to the ci preset: [heavy] ones, thousands of fit starts on real data or whole studies whose
  # simulated rate searches (thousands of engine steps per layout) smaller cases exercise, and
  # [serial] ones, which time this machine's own work.
  if(RIGHTSIZE_SANITIZE)
    catch_discover_tests(${name}_test TEST_SPEC "~[heavy]~[serial]" EXTRA_ARGS -w NoTests
                         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTIES TIMEOUT 600)
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY RS_CATCH_TEST_BINARIES ${name}_test)
  # Cases tagged [serial] time this machine's own work (the measure harness): they run alone so
  # that other tests do not share their cores.
  set(has_serial FALSE)
  foreach(source ${sources})
    file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/${source} serial_lines REGEX "\\[serial\\]")
    if(serial_lines)
      set(has_serial TRUE)
    endif()
  endforeach()
  if(has_serial)
    catch_discover_tests(${name}_test TEST_SPEC "~[serial]" EXTRA_ARGS -w NoTests
                         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTIES TIMEOUT 600)
    catch_discover_tests(${name}_test TEST_SPEC "[serial]" EXTRA_ARGS -w NoTests
                         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} TEST_SUFFIX " (serial)"
                         PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
  else()
    catch_discover_tests(${name}_test EXTRA_ARGS -w NoTests WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                         PROPERTIES TIMEOUT 600)
  endif()
endfunction()

# rs_add_test_inventory(): one CTest test that lists every Catch2 executable's cases and every
# CTest entry that runs one, and fails unless they are the same (a name CTest splits, e.g. at
# `;`, or a case no entry runs), and unless a filter that matches nothing fails the run
# (tests/ctest_inventory.py). Call it after every rs_add_test_module().
function(rs_add_test_inventory)
  # The sanitize preset leaves [heavy] and [serial] cases to the ci preset, which checks the set.
  if(RIGHTSIZE_SANITIZE)
    return()
  endif()
  get_property(binaries GLOBAL PROPERTY RS_CATCH_TEST_BINARIES)
  set(paths "")
  foreach(binary ${binaries})
    list(APPEND paths $<TARGET_FILE:${binary}>)
  endforeach()
  add_test(NAME ctest_entries_are_the_catch2_cases
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/ctest_inventory.py
                   --ctest ${CMAKE_CTEST_COMMAND} --build-dir ${CMAKE_BINARY_DIR} ${paths})
  set_tests_properties(ctest_entries_are_the_catch2_cases PROPERTIES TIMEOUT 300)
endfunction()
