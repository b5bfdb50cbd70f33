# sysv_target_options(<target>): the warnings and sanitizer settings every
# libsysv target gets, set per target and never in CMAKE_C_FLAGS, so that a
# project embedding libsysv keeps its own flags.
function(sysv_target_options target)
  set_target_properties(${target} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wformat=2)
  if(SYSV_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SYSV_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
