// --param / --params-file (cli/params.h): YAML and JSON files, typed scalars, lists
// and records as JSON, located syntax errors, repeated names refused.
#include "cli/params.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace dandori::cli {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("dandori-params-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

TEST_CASE("a YAML params file gives text BindParams reads") {
  TempDir dir;
  std::string f = dir.Write("p.yaml",
                            "source: /media/in.mp4\n"
                            "chunk: 2s\n"
                            "count: 3\n"
                            "ratio: 0.5\n"
                            "dry: true\n"
                            "quoted: \"42\"\n"
                            "roots: [/vod/a, /vod/b]\n"
                            "ladder:\n"
                            "  - {name: 720p, height: 720, crf: 23}\n");
  auto p = ReadParamsFile(f);
  REQUIRE(p.ok());
  CHECK(p->at("source") == "/media/in.mp4");
  CHECK(p->at("chunk") == "2s");
  CHECK(p->at("count") == "3");
  CHECK(p->at("ratio") == "0.5");
  CHECK(p->at("dry") == "true");
  CHECK(p->at("quoted") == "42");
  CHECK(p->at("roots") == R"(["/vod/a","/vod/b"])");
  CHECK(p->at("ladder") == R"([{"crf":23,"height":720,"name":"720p"}])");
}

TEST_CASE("a JSON params file; --param overrides it") {
  TempDir dir;
  ParamArgs args;
  args.params_file = dir.Write("p.json", R"({"title": "t1", "roots": ["/a"], "min_free": "1GB"})");
  args.params = {"title=t2"};
  auto p = GatherParams(args);
  REQUIRE(p.ok());
  CHECK(p->at("title") == "t2");
  CHECK(p->at("roots") == R"(["/a"])");
  CHECK(p->at("min_free") == "1GB");
}

TEST_CASE("bad params files and repeated --param are located errors") {
  TempDir dir;
  auto yaml = ReadParamsFile(dir.Write("bad.yaml", "a: 1\nb: [1, 2\n"));
  REQUIRE(!yaml.ok());
  CHECK(yaml.status().message().rfind((dir.path / "bad.yaml").string() + ":", 0) == 0);
  auto json = ReadParamsFile(dir.Write("bad.json", "{\n  \"a\": 1,\n  \"b\": ]\n}\n"));
  REQUIRE(!json.ok());
  CHECK(json.status().message().find("bad.json:3:8: ") != std::string::npos);
  auto twice = ReadParamsFile(dir.Write("twice.json", R"({"a": 1, "b": {"a": 2}, "a": 3})"));
  REQUIRE(!twice.ok());
  CHECK(twice.status().message() == (dir.path / "twice.json").string() + ": 'a' appears twice");
  auto twice_yaml = ReadParamsFile(dir.Write("twice.yaml", "a: 1\nb: 2\na: 3\n"));
  REQUIRE(!twice_yaml.ok());
  CHECK(twice_yaml.status().message() ==
        (dir.path / "twice.yaml").string() + ":3: 'a' appears twice");
  auto list = ReadParamsFile(dir.Write("list.yaml", "- a\n- b\n"));
  REQUIRE(!list.ok());
  CHECK(list.status().message().find("want a mapping") != std::string::npos);
  auto null = ReadParamsFile(dir.Write("null.yaml", "a:\n"));
  REQUIRE(!null.ok());
  CHECK(null.status().message().find("parameter a is null") != std::string::npos);
  CHECK(ReadParamsFile(dir.Write("p.txt", "a=1")).status().code() == Code::kInvalidArgument);
  CHECK(ReadParamsFile((dir.path / "missing.yaml").string()).status().code() == Code::kNotFound);

  ParamArgs args;
  args.params = {"a=1", "b=2", "a=3"};
  auto p = GatherParams(args);
  REQUIRE(!p.ok());
  CHECK(p.status().message() == "--param a given twice (pass each parameter once)");
  args.params = {"=1"};
  CHECK(GatherParams(args).status().message() == "--param wants NAME=VALUE, got '=1'");
}

}  // namespace
}  // namespace dandori::cli
