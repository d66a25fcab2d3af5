// `dandori compile FILE [-o OUT.flowc] [--json]`: writes the binary Table (default:
// FILE with the .flowc extension) or prints its JSON form. A .flow with errors exits 2
// and writes nothing (cli/driver.h).
#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/driver.h"
#include "proto/table_file.h"

namespace dandori::cli {
namespace {

struct CompileArgs {
  std::string file;
  std::string out;
  bool json = false;
};

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return Status::Invalid("cannot write " + path);
  }
  return Status::Ok();
}

int PrintJson(const v1::Table& table, const std::string& out) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(table, &json, opts);
  if (!st.ok()) return Fail("compile", Status::Internal(st.ToString()));
  if (out.empty()) {
    std::fwrite(json.data(), 1, json.size(), stdout);
    return kExitOk;
  }
  Status w = WriteFile(out, json);
  return w.ok() ? kExitOk : Fail("compile", w);
}

int RunCompile(const CompileArgs& args) {
  auto table = CompileWorkflow(args.file);
  if (!table.ok()) return Fail("compile", table.status());
  if (args.json) return PrintJson(*table, args.out);
  std::string out = args.out;
  if (out.empty()) out = std::filesystem::path(args.file).replace_extension(".flowc").string();
  Status w = WriteFile(out, v1::EncodeTableFile(*table));
  if (!w.ok()) return Fail("compile", w);
  std::fprintf(stderr, "wrote %s (%d states)\n", out.c_str(), table->states_size());
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"compile", "Compile a .flow file to its Table (*.flowc)",
                 [](CLI::App* sub) -> CommandMain {
                   auto args = std::make_shared<CompileArgs>();
                   sub->add_option("file", args->file, "the .flow file")->required();
                   sub->add_option("-o,--output", args->out, "output path (default FILE.flowc)");
                   sub->add_flag("--json", args->json, "print the Table as JSON instead");
                   return [args] { return RunCompile(*args); };
                 },
                 20});

}  // namespace dandori::cli
