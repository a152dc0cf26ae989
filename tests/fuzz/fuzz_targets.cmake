# The fuzz targets: tests/fuzz/<name>_fuzz.cpp, each with a seed corpus in corpus/<name>/ and
# the inputs that once found a bug in regressions/<name>/. Included from two places:
#   the top level with SSGAN_BUILD_FUZZERS (clang only): ssgan_add_fuzzers() makes fuzz_<name>,
#     a libFuzzer program with AddressSanitizer and UndefinedBehaviorSanitizer; scripts/fuzz.sh
#     builds and runs them;
#   tests/CMakeLists.txt: ssgan_add_fuzz_replays() makes fuzz_replay_<name>, which runs the
#     target once over every corpus and regression file with any compiler, as the ctest
#     fuzz_replay.<name>, so a past finding stays fixed in every build, the asan one included.

set(ssgan_fuzz_dir "${CMAKE_CURRENT_LIST_DIR}")
file(GLOB ssgan_fuzz_sources CONFIGURE_DEPENDS "${ssgan_fuzz_dir}/*_fuzz.cpp")

function(ssgan_add_fuzzers)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "SSGAN_BUILD_FUZZERS needs clang (libFuzzer); configure with "
                            "-DCMAKE_CXX_COMPILER=clang++, as scripts/fuzz.sh does")
    endif()
    set(sanitizers -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
    foreach(source IN LISTS ssgan_fuzz_sources)
        cmake_path(GET source STEM LAST_ONLY stem)
        string(REGEX REPLACE "_fuzz$" "" name "${stem}")
        add_executable(fuzz_${name} "${source}")
        target_link_libraries(fuzz_${name} PRIVATE ssgan::ssgan)
        target_compile_options(fuzz_${name} PRIVATE -g -O1 -fno-omit-frame-pointer -Wall -Wextra
                                                    ${sanitizers})
        target_link_options(fuzz_${name} PRIVATE ${sanitizers})
    endforeach()
endfunction()

# Uses ssgan_add_test, so it must run in the scope of tests/CMakeLists.txt.
macro(ssgan_add_fuzz_replays)
    foreach(source IN LISTS ssgan_fuzz_sources)
        cmake_path(GET source STEM LAST_ONLY stem)
        string(REGEX REPLACE "_fuzz$" "" name "${stem}")
        add_executable(fuzz_replay_${name} "${source}" "${ssgan_fuzz_dir}/replay_main.cpp")
        target_link_libraries(fuzz_replay_${name} PRIVATE ssgan::ssgan ssgan_program_options)
        set(inputs "${ssgan_fuzz_dir}/corpus/${name}")
        if(IS_DIRECTORY "${ssgan_fuzz_dir}/regressions/${name}")
            list(APPEND inputs "${ssgan_fuzz_dir}/regressions/${name}")
        endif()
        ssgan_add_test(fuzz_replay.${name} fuzz $<TARGET_FILE:fuzz_replay_${name}> ${inputs})
    endforeach()
endmacro()
