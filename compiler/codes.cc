#include "compiler/codes.h"

namespace dandori::compiler {

const std::vector<CodeInfo>& AllCodes() {
  static const std::vector<CodeInfo> kCodes = {
      {"E001", "syntax error"},
      {"E002", "invalid UTF-8 or binary data"},
      {"E003", "input limit exceeded"},
      {"E004", "invalid literal"},
      {"E005", "invalid string"},
      {"E006", "construct in the wrong place"},
      {"E010", "unknown operator"},
      {"E011", "unknown argument"},
      {"E012", "missing argument"},
      {"E013", "duplicate argument"},
      {"E014", "misplaced or extra positional argument"},
      {"E015", "type mismatch"},
      {"E016", "value not among the allowed choices"},
      {"E020", "undefined name"},
      {"E021", "stage may not have run yet"},
      {"E022", "loop variable used outside its block"},
      {"E023", "wrong use of name[*]"},
      {"E024", "'after' names a statement of another block"},
      {"E025", "stage refers to its own output"},
      {"E030", "type error in an expression"},
      {"E031", "unknown field"},
      {"E032", "unknown function or wrong number of arguments"},
      {"E033", "condition or loop list of the wrong type"},
      {"E034", "unknown type"},
      {"E035", "const defined in terms of itself"},
      {"E036", "nesting limit exceeded"},
      {"E040", "duplicate name"},
      {"E041", "dependency cycle"},
      {"E042", "unreachable statement"},
      {"E043", "duplicate handler or policy item"},
      {"E050", "parallel out of range"},
      {"E051", "batch or window out of range"},
      {"E052", "tolerate out of range"},
      {"E053", "retry count out of range or not an int"},
      {"E054", "policy duration not positive or not a duration"},
      {"E055", "duration longer than 30 days"},
      {"E056", "backoff minimum above maximum"},
      {"E057", "policy item not allowed here"},
      {"E058", "unknown error class"},
      {"E059", "keep (capacity floor) out of range"},
      {"E060", "import not found"},
      {"E061", "import cycle"},
      {"E062", "imported file declares a workflow"},
      {"E063", "import is not a readable regular file"},
      {"E064", "a policy reads a stage, a loop variable or env"},
      {"E900", "internal error: unsound table"},
      {"W001", "drain without timeout"},
      {"W002", "parallel all over an unbounded list"},
      {"W003", "retry on an operator that raises only permanent errors"},
      {"W004", "heartbeat not shorter than timeout"},
      {"W005", "retry on an error class that is never retried"},
      {"W006", "window or batch wider than keep allows (clamped)"},
      {"W007", "nested retries multiply past 10 attempts"},
  };
  return kCodes;
}

std::string_view CodeTitle(std::string_view code) {
  for (const CodeInfo& c : AllCodes()) {
    if (code == c.code) return c.title;
  }
  return "";
}

}  // namespace dandori::compiler
