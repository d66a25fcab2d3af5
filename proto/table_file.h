// The .flowc file: a one-line header naming the Table's format version and a SHA-256
// checksum, then the serialized Table (proto/dandori/v1/table.proto):
//
//   dandori-table 2 sha256:<64 hex digits>\n<Table bytes>
//
// The checksum covers "dandori-table 2" and the Table bytes, so any damaged byte of the
// file is caught before protobuf reads it. Decoding refuses everything else with one
// message naming the file: not a .flowc, a damaged header, a wrong checksum, another
// format version (recompile / upgrade), a headerless file of an older dandori
// (recompile). docs/table.md keeps the history.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "dandori/v1/table.pb.h"

namespace dandori::v1 {

std::string EncodeTableFile(const Table& table);
// `name` (the path) starts every message.
Result<Table> DecodeTableFile(std::string_view bytes, const std::string& name);

// ParseFromArray without protobuf's own log lines ("[libprotobuf ERROR ...]" for a
// string that is not UTF-8): the caller reports the failure in its own words.
bool ParseTableQuietly(std::string_view bytes, Table* out);

}  // namespace dandori::v1
