# cmake -DREADME=... -DCC=... -DINCLUDES="a;b" -DLIB=libsysv.so -DFLAGS="..." -DWORK=dir
#       -P check_readme.cmake
# Extracts the first ```c block of the README, compiles it against the
# built library, and runs it: the example a newcomer copies must work.
file(READ "${README}" text)
string(FIND "${text}" "```c\n" start)
if(start EQUAL -1)
  message(FATAL_ERROR "no ```c block in ${README}")
endif()
math(EXPR start "${start} + 5")
string(SUBSTRING "${text}" ${start} -1 rest)
string(FIND "${rest}" "```" stop)
string(SUBSTRING "${rest}" 0 ${stop} program)
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/readme_example.c" "${program}")

set(args)
foreach(dir IN LISTS INCLUDES)
  list(APPEND args "-I${dir}")
endforeach()
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
get_filename_component(libdir "${LIB}" DIRECTORY)
execute_process(
  COMMAND "${CC}" -std=c99 -Wall -Wextra -Werror ${flags} ${args}
          "${WORK}/readme_example.c" -o "${WORK}/readme_example"
          "${LIB}" "-Wl,-rpath,${libdir}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the README's example does not compile")
endif()
execute_process(COMMAND "${WORK}/readme_example" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "README example printed: ${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the README's example exited with ${rc}")
endif()
