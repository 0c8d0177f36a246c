# Compiler warnings and sanitizer configurations shared by every hogmf target.
add_library(hogmf_options INTERFACE)
target_compile_options(hogmf_options INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(HOGMF_SANITIZE_THREAD AND HOGMF_SANITIZE_ADDRESS)
  message(FATAL_ERROR "Choose one of HOGMF_SANITIZE_THREAD and HOGMF_SANITIZE_ADDRESS")
endif()
if(HOGMF_SANITIZE_THREAD)
  target_compile_options(hogmf_options INTERFACE -fsanitize=thread -g -fno-omit-frame-pointer)
  target_link_options(hogmf_options INTERFACE -fsanitize=thread)
  target_compile_definitions(hogmf_options INTERFACE HOGMF_TSAN=1)
endif()
if(HOGMF_SANITIZE_ADDRESS)
  target_compile_options(hogmf_options INTERFACE -fsanitize=address,undefined
                         -fno-sanitize-recover=undefined -g -fno-omit-frame-pointer)
  target_link_options(hogmf_options INTERFACE -fsanitize=address,undefined)
endif()
# A fuzz build (tests/fuzz): hogmf's own code instrumented for libFuzzer's
# coverage and checked by AddressSanitizer and UBSan; the fuzz targets add
# -fsanitize=fuzzer themselves (tests/fuzz/CMakeLists.txt).
if(HOGMF_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HOGMF_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  if(HOGMF_SANITIZE_THREAD OR HOGMF_SANITIZE_ADDRESS)
    message(FATAL_ERROR "HOGMF_FUZZ brings its own sanitizers; turn the HOGMF_SANITIZE_* options off")
  endif()
  target_compile_options(hogmf_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=undefined -g -fno-omit-frame-pointer)
  target_link_options(hogmf_options INTERFACE -fsanitize=address,undefined)
endif()

# Sanitizer run-time options (cmake/sanitizer_defaults.cc), linked into the test
# executables and the hogmf binary (which the CLI tests run) of a sanitizer build.
add_library(hogmf_sanitizer_defaults INTERFACE)
if(HOGMF_SANITIZE_THREAD OR HOGMF_SANITIZE_ADDRESS)
  target_sources(hogmf_sanitizer_defaults INTERFACE ${PROJECT_SOURCE_DIR}/cmake/sanitizer_defaults.cc)
  target_compile_definitions(hogmf_sanitizer_defaults INTERFACE
                             HOGMF_TSAN_SUPPRESSIONS="${PROJECT_SOURCE_DIR}/tools/tsan.supp")
endif()
