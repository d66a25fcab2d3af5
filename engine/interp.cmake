# The expression interpreter (bytecode of table.proto), its builtins and its tests.
# Owned by the "interp" work; included from engine/CMakeLists.txt, linked into
# dandori_engine.
add_library(dandori_interp STATIC
  ${CMAKE_CURRENT_LIST_DIR}/interpreter.cc
  ${CMAKE_CURRENT_LIST_DIR}/builtins.cc)
target_include_directories(dandori_interp PUBLIC ${CMAKE_SOURCE_DIR})
target_compile_options(dandori_interp PRIVATE ${DANDORI_WARNINGS})
target_link_libraries(dandori_interp PUBLIC dandori_proto dandori_base)

dandori_test(interpreter_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/interpreter_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/builtins_test.cc
  LIBS dandori_interp)
