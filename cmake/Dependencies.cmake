# Finds every third-party dependency (all from Debian packages; see scripts/install-deps.sh)
# and pins the versions the project was written against.
find_package(Threads REQUIRED)
find_package(Protobuf 3.21 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CLI11 QUIET CONFIG)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd>=0.9.75)  # serve's HTTP server

# ANTLR: Debian ships the 4.7.2 tool and the 4.9 C++ runtime. Generated code from 4.7.2
# builds and runs against the 4.9 runtime; any other pairing is refused here.
set(DANDORI_ANTLR_TOOL_VERSION 4.7.2)
set(DANDORI_ANTLR_RUNTIME_VERSION 4.9)
find_package(antlr4-runtime ${DANDORI_ANTLR_RUNTIME_VERSION} EXACT CONFIG)
if(NOT antlr4-runtime_FOUND)
  message(FATAL_ERROR "dandori needs the ANTLR C++ runtime ${DANDORI_ANTLR_RUNTIME_VERSION} "
                      "(Debian libantlr4-runtime-dev); run scripts/install-deps.sh")
endif()
find_file(ANTLR4_JAR NAMES antlr4-${DANDORI_ANTLR_TOOL_VERSION}.jar PATHS /usr/share/java NO_DEFAULT_PATH)
if(NOT ANTLR4_JAR)
  message(FATAL_ERROR "dandori needs the ANTLR tool ${DANDORI_ANTLR_TOOL_VERSION} "
                      "(/usr/share/java/antlr4-${DANDORI_ANTLR_TOOL_VERSION}.jar, Debian antlr4); "
                      "run scripts/install-deps.sh")
endif()
find_package(Java 11 REQUIRED COMPONENTS Runtime)
set(ANTLR4_CLASSPATH "/usr/share/java/stringtemplate4.jar:${ANTLR4_JAR}:/usr/share/java/antlr4-runtime.jar:/usr/share/java/antlr3-runtime.jar:/usr/share/java/treelayout.jar")
if(NOT TARGET antlr4_shared)
  message(FATAL_ERROR "antlr4-runtime config found but target antlr4_shared missing")
endif()
get_target_property(ANTLR4_INCLUDE antlr4_shared INTERFACE_INCLUDE_DIRECTORIES)
