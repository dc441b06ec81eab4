# ghh_area(NAME [USES area...] [LIBS target...] [SOURCES extra...])
#
# Makes the library ghh_NAME from src/NAME/*.cpp. USES names the other areas it may use: the
# only areas it links, and the ones docs/architecture.md's graph allows (tests/architecture
# checks both the includes and these lists against the graph). LIBS are outside libraries,
# linked privately unless they appear in a header of the area.
function(ghh_area name)
  cmake_parse_arguments(A "" "" "USES;LIBS;PUBLIC_LIBS;SOURCES" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(ghh_${name} STATIC ${sources} ${A_SOURCES})
  target_include_directories(ghh_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                         PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(ghh_${name} PRIVATE ${GHH_WARNINGS})
  target_compile_definitions(ghh_${name} PUBLIC GHHARVEST_VERSION="${PROJECT_VERSION}")
  foreach(used ${A_USES})
    target_link_libraries(ghh_${name} PUBLIC ghh_${used})
  endforeach()
  target_link_libraries(ghh_${name} PRIVATE ${A_LIBS} PUBLIC ${A_PUBLIC_LIBS})
endfunction()
