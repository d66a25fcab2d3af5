// The web view's static files (server/web/assets/), compiled into the binary by
// embed.cmake at build time: no files are read at run time, so a request can never
// reach the disk (a path is only a key in this table) and nothing is fetched from a CDN.
#pragma once

#include <string_view>

namespace dandori::server::web {

struct Asset {
  std::string_view path;  // "index.html", "app.js", ...
  std::string_view type;  // its Content-Type
  std::string_view body;
};

// The asset named `path` (no leading slash), or null.
const Asset* FindAsset(std::string_view path);

}  // namespace dandori::server::web
