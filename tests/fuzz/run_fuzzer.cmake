# Runs one libFuzzer binary: first over each committed seed once (a regression check that names
# the seed that fails), then for SECONDS over a scratch copy of the seeds, so the inputs it adds
# stay in the build tree and the committed seeds never change under a test run.
# cmake -DFUZZER=... -DSEEDS=... -DWORK=... -DSECONDS=... [-DFUZZ_ARGS=...] -P run_fuzzer.cmake
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)
file(GLOB seeds LIST_DIRECTORIES false ${SEEDS}/*)
if(NOT seeds)
  message(FATAL_ERROR "no seeds in ${SEEDS}: every fuzz target keeps a committed corpus")
endif()

# -timeout turns an input that hangs into a reported failure with its artifact; the process
# TIMEOUT is the backstop for a fuzzer that wedges while reporting (an out-of-memory report walks
# the whole heap).
set(common -timeout=30 -artifact_prefix=${WORK}/artifacts/ ${FUZZ_ARGS})
list(LENGTH seeds count)
message(STATUS "replaying ${count} committed seeds")
execute_process(COMMAND ${FUZZER} ${common} ${seeds} RESULT_VARIABLE rc TIMEOUT 600)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed on a committed seed (exit ${rc}); the input is named above")
endif()

if(SECONDS GREATER 0)
  message(STATUS "fuzzing for ${SECONDS} s")
  math(EXPR limit "${SECONDS} + 840")
  execute_process(
    COMMAND ${FUZZER} -max_total_time=${SECONDS} -print_final_stats=1 ${common} ${WORK}/corpus
    RESULT_VARIABLE rc
    TIMEOUT ${limit})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${FUZZER} exited with ${rc}; the failing input is in ${WORK}/artifacts")
  endif()
endif()
