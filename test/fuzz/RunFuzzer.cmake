# Runs one libFuzzer binary for ctest: first once on each input of
# REGRESSIONS (inputs that once found a bug), then for RUNS inputs mutated
# from the seeds of SEEDS:
#   cmake -DFUZZER=... -DREGRESSIONS=dir -DSEEDS=dir -DSCRATCH=dir -DRUNS=N
#         -DMAX_LEN=B -DSTACK_KB=K -P RunFuzzer.cmake
# The seeds are copied to SCRATCH (emptied first), where libFuzzer adds the
# inputs it finds; a crash is written as crash-<sha1> to the working directory.
# Regressions are not seeds: large ones would slow every run of the fuzzer.
# The stack is limited to STACK_KB: the code fuzzed may run on a thread whose
# stack is far smaller than a main thread's 8 MiB, so deep recursion on some
# input must show up here as a crash rather than pass unnoticed.
foreach(Var FUZZER REGRESSIONS SEEDS SCRATCH RUNS MAX_LEN STACK_KB)
  if(NOT DEFINED ${Var})
    message(FATAL_ERROR "RunFuzzer.cmake: -D${Var}=... is required")
  endif()
endforeach()

set(Limited sh -c "ulimit -s ${STACK_KB} && exec \"$@\"" sh ${FUZZER})

file(GLOB Regressions ${REGRESSIONS}/*)
if(Regressions)
  execute_process(COMMAND ${Limited} ${Regressions} RESULT_VARIABLE Status)
  if(NOT Status EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed (${Status}) on an input of "
      "${REGRESSIONS}: a bug it once found is back")
  endif()
endif()

file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH})
file(GLOB Seeds ${SEEDS}/*)
file(COPY ${Seeds} DESTINATION ${SCRATCH})

execute_process(
  COMMAND ${Limited} -runs=${RUNS} -max_len=${MAX_LEN} -timeout=10
    -print_final_stats=1 ${SCRATCH}
  RESULT_VARIABLE Status)
if(NOT Status EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${Status}); the input that failed "
    "is the crash-*, leak-* or timeout-* file named above")
endif()
