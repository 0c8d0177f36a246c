# Installation: the library, the public headers (include/hogmf only), the CLI, a CMake
# package (find_package(hogmf CONFIG) -> hogmf::hogmf) and a pkg-config file (hogmf.pc).
#
#   cmake --install build --prefix /opt/hogmf
include(CMakePackageConfigHelpers)

set(HOGMF_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hogmf)

install(TARGETS hogmf EXPORT hogmfTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hogmf DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(TARGETS hogmf_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT hogmfTargets NAMESPACE hogmf:: DESTINATION ${HOGMF_CMAKE_DIR})
configure_package_config_file(cmake/hogmfConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/hogmfConfig.cmake
                              INSTALL_DESTINATION ${HOGMF_CMAKE_DIR})
# 0.x: a different minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hogmfConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hogmfConfig.cmake ${PROJECT_BINARY_DIR}/hogmfConfigVersion.cmake
        DESTINATION ${HOGMF_CMAKE_DIR})

# hogmf.pc locates the prefix from its own folder (${pcfiledir}), so the installed tree
# works wherever --prefix puts it. A static libhogmf needs its private dependencies on
# the user's link line, so they go to Requires; a shared one keeps them private.
set(HOGMF_PC_PUBLIC "absl_status absl_statusor absl_strings absl_span absl_flat_hash_map eigen3")
set(HOGMF_PC_PRIVATE "tbb libhwy absl_str_format zlib")
if(BUILD_SHARED_LIBS)
  set(HOGMF_PC_REQUIRES "${HOGMF_PC_PUBLIC}")
  set(HOGMF_PC_REQUIRES_PRIVATE_LINE "Requires.private: ${HOGMF_PC_PRIVATE}\n")
else()
  set(HOGMF_PC_REQUIRES "${HOGMF_PC_PUBLIC} ${HOGMF_PC_PRIVATE}")
  set(HOGMF_PC_REQUIRES_PRIVATE_LINE "")
endif()
# libhogmf is C++: a C program (include/hogmf/c_api.h) that links it needs the C++
# run-time and libm, which a C++ compiler adds by itself. They are the C++ compiler's
# implicit libraries (stdc++ or c++, and m); a static libhogmf puts them in Libs, a
# shared one in Libs.private.
set(HOGMF_PC_CXX_LIBS "")
foreach(lib IN LISTS CMAKE_CXX_IMPLICIT_LINK_LIBRARIES)
  if(lib MATCHES "^(stdc\\+\\+|c\\+\\+|c\\+\\+abi|m)$")
    list(APPEND HOGMF_PC_CXX_LIBS "-l${lib}")
  endif()
endforeach()
list(REMOVE_DUPLICATES HOGMF_PC_CXX_LIBS)
list(JOIN HOGMF_PC_CXX_LIBS " " HOGMF_PC_CXX_RUNTIME)
if(BUILD_SHARED_LIBS)
  set(HOGMF_PC_LIBS_EXTRA "")
  set(HOGMF_PC_LIBS_PRIVATE_LINE "Libs.private: ${HOGMF_PC_CXX_RUNTIME}\n")
else()
  set(HOGMF_PC_LIBS_EXTRA " ${HOGMF_PC_CXX_RUNTIME}")
  set(HOGMF_PC_LIBS_PRIVATE_LINE "")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "hogmf.pc needs CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR relative")
endif()
file(RELATIVE_PATH HOGMF_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" HOGMF_PC_TO_PREFIX "${HOGMF_PC_TO_PREFIX}")
configure_file(cmake/hogmf.pc.in ${PROJECT_BINARY_DIR}/hogmf.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hogmf.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
