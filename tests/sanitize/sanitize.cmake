# Sanitizer builds and libFuzzer builds, included by the top-level CMakeLists.txt before any
# target exists (the flags apply to every library, test and the netdoctor binary).
#
#   -DNETDOCTOR_SANITIZE=address,undefined   ASan + UBSan; any UBSan report fails (no recovery)
#   -DNETDOCTOR_SANITIZE=thread              TSan
#   -DNETDOCTOR_FUZZ=ON                      clang only: everything built with coverage for
#                                            libFuzzer plus ASan + UBSan (unless NETDOCTOR_SANITIZE
#                                            says otherwise); tests/fuzz adds one fuzzer per harness
# scripts/sanitize.sh and scripts/fuzz.sh configure these with clang-14.

set(ND_SANITIZERS "${NETDOCTOR_SANITIZE}")
if(NETDOCTOR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NETDOCTOR_FUZZ needs clang (libFuzzer): CC=clang-14 CXX=clang++-14")
  endif()
  if(NOT ND_SANITIZERS)
    set(ND_SANITIZERS address,undefined)
  endif()
  # Coverage feedback from every library; the fuzzers themselves link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(ND_SANITIZERS)
  if(ND_SANITIZERS MATCHES "thread" AND ND_SANITIZERS MATCHES "address")
    message(FATAL_ERROR "NETDOCTOR_SANITIZE: thread cannot be combined with address")
  endif()
  add_compile_options(-fsanitize=${ND_SANITIZERS} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ND_SANITIZERS})
  # Default runtime options and suppressions, linked into every executable (see below).
  add_library(nd_sanitizer_options OBJECT ${CMAKE_CURRENT_LIST_DIR}/default_options.cpp)
endif()

# Links the sanitizers' default options into every executable defined in `dir` and below, so
# that ctest, the lab tests (which run the netdoctor binary) and a hand-run sanitized binary all
# behave the same whatever the environment holds. Called once, after every add_subdirectory.
function(nd_sanitizer_link_executables dir)
  if(NOT TARGET nd_sanitizer_options)
    return()
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_link_libraries(${t} PRIVATE nd_sanitizer_options)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    nd_sanitizer_link_executables(${sub})
  endforeach()
endfunction()
