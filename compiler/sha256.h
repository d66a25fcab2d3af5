// SHA-256 of a byte string as lowercase hex (FIPS 180-4); used for Table.source_sha256.
#pragma once

#include <string>
#include <string_view>

namespace dandori::compiler {

std::string Sha256Hex(std::string_view data);

}  // namespace dandori::compiler
