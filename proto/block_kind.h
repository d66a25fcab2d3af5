// How a block kind reads to people: the keyword that wrote it ("foreach", "fanout",
// "rolling", "group", "on failure", "on success"). One spelling for the engine's messages,
// `dandori plan` and the web view.
#pragma once

#include "dandori/v1/table.pb.h"

namespace dandori::v1 {

inline const char* BlockKindWord(BlockKind k) {
  switch (k) {
    case FOREACH:
      return "foreach";
    case FANOUT:
      return "fanout";
    case ROLLING:
      return "rolling";
    case GROUP:
      return "group";
    case ON_FAILURE:
      return "on failure";
    case ON_SUCCESS:
      return "on success";
    default:
      return "block";
  }
}

}  // namespace dandori::v1
