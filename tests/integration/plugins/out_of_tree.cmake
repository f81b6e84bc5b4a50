# Builds the example plugin the way a third party would: install the SDK component of this build
# into a fresh prefix, configure and build sdk/examples/memory-provider as its own project against
# that prefix, then run the installed conformance runner against the library it produced.
# Inputs: BUILD_DIR, SOURCE_DIR, WORK_DIR, GENERATOR.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --component sdk --prefix "${prefix}")
foreach(installed include/corral/plugin_abi.h include/corral/sdk/provider.h
        share/corral-sdk/proto/corral/provider/v1/provider.proto lib/cmake/CorralSDK/CorralSDKConfig.cmake
        bin/corral-provider-conformance)
  if(NOT EXISTS "${prefix}/${installed}")
    message(FATAL_ERROR "the SDK install lacks ${installed}")
  endif()
endforeach()

# A copy of the example outside the Corral tree, so nothing of the tree can leak in.
file(COPY "${SOURCE_DIR}/sdk/examples/memory-provider" DESTINATION "${WORK_DIR}")
step(${CMAKE_COMMAND} -S "${WORK_DIR}/memory-provider" -B "${WORK_DIR}/build" -G "${GENERATOR}"
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
set(plugin "${WORK_DIR}/build/corral-provider-memory.so")
if(NOT EXISTS "${plugin}")
  message(FATAL_ERROR "the out-of-tree build produced no ${plugin}")
endif()

file(WRITE "${WORK_DIR}/valid.json" "{\"capacity\": 10}")
file(WRITE "${WORK_DIR}/invalid.json" "{\"capacity\": \"many\"}")
step("${prefix}/bin/corral-provider-conformance" --plugin "${plugin}" --config "${WORK_DIR}/valid.json"
     --invalid-config "${WORK_DIR}/invalid.json" --invalid-path /capacity)
message(STATUS "out-of-tree plugin built against the installed SDK and passed the conformance kit")
