// libFuzzer target over the front end and the checker: any bytes must
// give diagnostics, never a crash, a hang or unbounded memory. For input that parses,
// it also checks fmt's promises: the output parses again and formatting is idempotent.
// Built by tests/fuzz/run.sh (clang, -DDANDORI_FUZZ=ON); not part of `make test`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "compiler/check.h"
#include "compiler/fmt.h"
#include "compiler/parse.h"

using namespace dandori::compiler;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SourceManager sm;
  Diagnostics diags;
  int id = sm.Add("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  std::unique_ptr<File> file = ParseFile(sm, id, diags);
  if (diags.has_errors()) return 0;
  std::string once = FormatFile(*file, sm);
  Diagnostics again;
  int id2 = sm.Add("fmt.flow", once);
  std::unique_ptr<File> reparsed = ParseFile(sm, id2, again);
  if (again.has_errors()) {
    std::fprintf(stderr, "fmt output does not parse: %s\n--- output:\n%s\n",
                 again.Sorted()[0].message.c_str(), once.c_str());
    __builtin_trap();
  }
  if (FormatFile(*reparsed, sm) != once) {
    std::fprintf(stderr, "fmt is not idempotent\n--- once:\n%s\n", once.c_str());
    __builtin_trap();
  }
  CheckParsedFile(*file, sm, diags);
  return 0;
}
