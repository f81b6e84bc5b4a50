# Compiler flags shared by every Corral target: warnings, sanitizers, fuzzing.
add_library(corral_build_flags INTERFACE)
target_compile_options(corral_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wformat=2
  -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(CORRAL_WERROR)
  target_compile_options(corral_build_flags INTERFACE -Werror)
endif()

if(CORRAL_SANITIZE)
  if(CORRAL_SANITIZE STREQUAL "thread")
    set(_corral_san -fsanitize=thread)
    # GCC 12 warns that TSan does not model atomic_thread_fence (used by Asio); TSan still
    # checks everything else. Debian's libprotobuf is not built with TSan, and protobuf changes
    # its map layout when __SANITIZE_THREAD__ is set, so our code must see the plain layout.
    add_compile_options($<$<CXX_COMPILER_ID:GNU>:-Wno-tsan> -U__SANITIZE_THREAD__)
  elseif(CORRAL_SANITIZE MATCHES "^(address|undefined|address,undefined|undefined,address)$")
    set(_corral_san -fsanitize=${CORRAL_SANITIZE} -fno-sanitize-recover=undefined)
  else()
    message(FATAL_ERROR "CORRAL_SANITIZE must be 'address,undefined' or 'thread', got '${CORRAL_SANITIZE}'")
  endif()
  # Sanitizer instrumentation makes GCC 12's flow analysis report uninitialized reads inside
  # libstdc++ (std::regex, std::function) that are not there.
  add_compile_options(${_corral_san} -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  add_link_options(${_corral_san})
  # A sanitizer tree finds bugs, it does not ship: -O1 keeps reports exact and compiles in half the
  # time of -O2 -g, and line tables (-g1) are all a report's stack needs. These come after the
  # build type's flags, so they win; CMAKE_BUILD_TYPE=Debug keeps -O0 -g for a debugger.
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_options(-O1 -g1)
  endif()
endif()

# Line tables are what a stack trace, a sanitizer report and a profiler need, and the packages are
# stripped anyway; full debug information costs a third of the compile time of a RelWithDebInfo
# tree for variables only a debugger shows. CORRAL_FULL_DEBUG_INFO=ON (or a Debug tree) brings it back.
if(CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo" AND NOT CORRAL_SANITIZE AND NOT CORRAL_FULL_DEBUG_INFO)
  add_compile_options(-g1)
endif()

if(CORRAL_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CORRAL_FUZZ needs clang (configure with CXX=clang++ CC=clang)")
endif()
