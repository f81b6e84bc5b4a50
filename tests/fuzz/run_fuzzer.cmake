# Runs one libFuzzer binary for RUNS executions over a scratch copy of its seed corpus, so the
# inputs it adds stay in the build tree and the committed seeds never change under a test run.
# cmake -DFUZZER=... -DSEEDS=... -DWORK=... -DRUNS=... [-DFUZZ_ARGS=...] -P run_fuzzer.cmake
foreach(var FUZZER SEEDS WORK RUNS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)

# -timeout turns an input that hangs into a reported failure with its artifact; the process
# TIMEOUT is the backstop for a fuzzer that wedges while reporting (an out-of-memory report walks
# the whole heap).
execute_process(
  COMMAND ${FUZZER} -runs=${RUNS} -timeout=30 -artifact_prefix=${WORK}/artifacts/ ${FUZZ_ARGS} ${WORK}/corpus
  RESULT_VARIABLE rc
  TIMEOUT 840)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} exited with ${rc}; the failing input is in ${WORK}/artifacts")
endif()
