# corral_add_plugin(<target> SOURCES <src>... [LIBS <lib>...] [OUTPUT_NAME <name>])
#
# Builds a provider plugin: a shared module that exports only the entry alias. Everything else,
# including the plugin's copy of the provider protobuf code, stays hidden inside it, so plugins
# built against different SDK minors can share one process with the manager.
function(corral_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "corral_add_plugin(${target}): SOURCES is required")
  endif()
  if(NOT P_OUTPUT_NAME)
    set(P_OUTPUT_NAME ${target})
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE ${CORRAL_SDK_TARGET} ${P_LIBS})
  target_compile_features(${target} PRIVATE cxx_std_17)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${P_OUTPUT_NAME}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,-z,defs)
endfunction()
