# Builds and runs a user's project against ssgan, the way a user would get it:
#   MODE=install       installs SSGAN_BUILD_DIR to a scratch prefix, then builds tests/consumer,
#                      which finds it with find_package(ssgan CONFIG REQUIRED)
#   MODE=subdirectory  builds tests/consumer_subdir, which adds SSGAN_SOURCE_DIR with
#                      add_subdirectory
# The consumer is configured with this build's generator, compiler and CMAKE_CXX_FLAGS.
# Other inputs: SCRATCH (a directory of its own), CONFIG, MAKE_PROGRAM, CXX_COMPILER,
# CXX_FLAGS, PREFIX_PATH (this build's CMAKE_PREFIX_PATH, entries separated by ':'),
# EXPECT_MPI (this build's SSGAN_WITH_MPI).
cmake_minimum_required(VERSION 3.21)

foreach(variable IN ITEMS MODE SSGAN_SOURCE_DIR SSGAN_BUILD_DIR SCRATCH GENERATOR CXX_COMPILER)
    if(NOT ${variable})
        message(FATAL_ERROR "consumer.cmake needs -D${variable}=...")
    endif()
endforeach()

# run(<step> <command>...): runs a command, stops with its output if it fails.
function(run step)
    execute_process(COMMAND ${ARGN}
        RESULT_VARIABLE result
        OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
        list(JOIN ARGN " " command_line)
        message(FATAL_ERROR "${step} failed (${result}).\nCommand: ${command_line}\n"
                            "Output:\n${output}")
    endif()
    set(output "${output}" PARENT_SCOPE)
endfunction()

set(build_dir "${SCRATCH}/build")
set(prefix "${SCRATCH}/prefix")
string(REPLACE ":" ";" prefix_path "${PREFIX_PATH}")

set(configure_arguments
    -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(MAKE_PROGRAM)
    list(APPEND configure_arguments "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
    list(APPEND configure_arguments "-DCMAKE_BUILD_TYPE=${CONFIG}")
    set(config_arguments --config "${CONFIG}")
endif()

if(MODE STREQUAL "install")
    set(project_dir "${SSGAN_SOURCE_DIR}/tests/consumer")
    list(PREPEND prefix_path "${prefix}")
    run("Installing ssgan to ${prefix}"
        "${CMAKE_COMMAND}" --install "${SSGAN_BUILD_DIR}" --prefix "${prefix}" ${config_arguments})
elseif(MODE STREQUAL "subdirectory")
    set(project_dir "${SSGAN_SOURCE_DIR}/tests/consumer_subdir")
    list(APPEND configure_arguments "-DSSGAN_SOURCE_DIR=${SSGAN_SOURCE_DIR}")
else()
    message(FATAL_ERROR "MODE is `install` or `subdirectory`, not `${MODE}`")
endif()

# Through the environment, where ':' separates entries, so no ';' has to survive a command line.
if(DEFINED ENV{CMAKE_PREFIX_PATH})
    string(REPLACE ":" ";" environment_prefix_path "$ENV{CMAKE_PREFIX_PATH}")
    list(APPEND prefix_path ${environment_prefix_path})
endif()
list(FILTER prefix_path EXCLUDE REGEX "^$")
list(JOIN prefix_path ":" environment_prefix_path)
set(ENV{CMAKE_PREFIX_PATH} "${environment_prefix_path}")

file(REMOVE_RECURSE "${build_dir}")
run("Configuring ${project_dir}"
    "${CMAKE_COMMAND}" -S "${project_dir}" -B "${build_dir}" ${configure_arguments})

# The installed package, not some other ssgan on the machine, must be the one found.
if(MODE STREQUAL "install")
    file(STRINGS "${build_dir}/CMakeCache.txt" ssgan_dir_entry REGEX "^ssgan_DIR:")
    string(REGEX REPLACE "^ssgan_DIR:[A-Z]+=" "" ssgan_dir "${ssgan_dir_entry}")
    cmake_path(IS_PREFIX prefix "${ssgan_dir}" NORMALIZE found_in_prefix)
    if(NOT found_in_prefix)
        message(FATAL_ERROR "The consumer found ssgan in `${ssgan_dir}`, not under ${prefix}")
    endif()
endif()

run("Building ${project_dir}"
    "${CMAKE_COMMAND}" --build "${build_dir}" ${config_arguments})

# A multi-config generator puts the program in a folder named after the configuration.
foreach(candidate IN ITEMS "${build_dir}/ssgan_consumer" "${build_dir}/${CONFIG}/ssgan_consumer")
    if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
        set(program "${candidate}")
        break()
    endif()
endforeach()
if(NOT program)
    message(FATAL_ERROR "The consumer built, but ssgan_consumer is not in ${build_dir}")
endif()

run("Running ${program}" "${program}")
if(NOT output MATCHES "ssgan consumer: ok")
    message(FATAL_ERROR "${program} ran, but did not print `ssgan consumer: ok`:\n${output}")
endif()
# A package built with SSGAN_WITH_MPI must give the consumer ssgan::mpi (EXPECT_MPI).
if(MODE STREQUAL "install" AND EXPECT_MPI AND NOT output MATCHES "with ssgan::mpi")
    message(FATAL_ERROR "ssgan was built with SSGAN_WITH_MPI, but the consumer found no "
                        "ssgan::mpi in the installed package:\n${output}")
endif()
message(STATUS "${MODE} consumer: built and ran")
