# FindEmberDnnl.cmake — locates oneDNN's library and headers without oneDNN's own CMake package.
#
# Debian's libdnnl-dev is built with an OpenCL GPU runtime, so its dnnl-config.cmake requires
# OpenCL's development files (ocl-icd-opencl-dev, only a recommended package). ember uses the CPU
# engine alone and never includes dnnl_ocl.hpp, so it needs just the library and dnnl.hpp; the
# shared library's own run-time dependency on libOpenCL.so.1 comes with Debian's libdnnl2.
#
# Defines the imported target EmberDnnl::dnnl. Hints: DNNL_ROOT (a prefix with include/ and lib/).
find_path(EMBER_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp HINTS ${DNNL_ROOT} ENV DNNL_ROOT PATH_SUFFIXES include)
find_library(EMBER_DNNL_LIBRARY NAMES dnnl HINTS ${DNNL_ROOT} ENV DNNL_ROOT PATH_SUFFIXES lib lib64)
if(EMBER_DNNL_INCLUDE_DIR AND EXISTS ${EMBER_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h)
  file(STRINGS ${EMBER_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h _ember_dnnl_ver REGEX "#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3" EmberDnnl_VERSION "${_ember_dnnl_ver}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(EmberDnnl REQUIRED_VARS EMBER_DNNL_LIBRARY EMBER_DNNL_INCLUDE_DIR
  VERSION_VAR EmberDnnl_VERSION)
if(EmberDnnl_FOUND AND NOT TARGET EmberDnnl::dnnl)
  add_library(EmberDnnl::dnnl UNKNOWN IMPORTED)
  set_target_properties(EmberDnnl::dnnl PROPERTIES IMPORTED_LOCATION ${EMBER_DNNL_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${EMBER_DNNL_INCLUDE_DIR})
endif()
mark_as_advanced(EMBER_DNNL_INCLUDE_DIR EMBER_DNNL_LIBRARY)
