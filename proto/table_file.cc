#include "proto/table_file.h"

#include <google/protobuf/stubs/logging.h>

#include "base/sha256.h"
#include "proto/table_version.h"

namespace dandori::v1 {
namespace {

constexpr std::string_view kMagic = "dandori-table ";
constexpr std::string_view kSum = " sha256:";
constexpr size_t kMaxHeader = 96;

std::string Prefix(uint32_t version) { return std::string(kMagic) + std::to_string(version); }

Status Refuse(const std::string& name, const std::string& why) {
  return Status::Invalid(name + ": " + why);
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The header came with format 2: every later format is written with it, so a headerless
// file of format 3 or later was never written by any dandori.
constexpr uint32_t kLastHeaderlessFormat = 2;

// A file of dandori before the header (format 2 and older) is the bare Table, whose
// first field is format_version (field 1, a varint): bytes 0x08 and the version.
bool LooksLikeBareTable(std::string_view bytes, uint32_t* version) {
  if (bytes.size() < 2 || bytes[0] != 0x08) return false;
  *version = static_cast<unsigned char>(bytes[1]);
  return *version >= 1 && *version <= kLastHeaderlessFormat;
}

}  // namespace

bool ParseTableQuietly(std::string_view bytes, Table* out) {
  google::protobuf::LogSilencer quiet;
  return out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

std::string EncodeTableFile(const Table& table) {
  std::string body = table.SerializeAsString();
  std::string prefix = Prefix(table.format_version());
  Sha256 sum;
  sum.Update(prefix);
  sum.Update(body);
  return prefix + std::string(kSum) + sum.HexDigest() + "\n" + body;
}

Result<Table> DecodeTableFile(std::string_view bytes, const std::string& name) {
  constexpr const char* kRecompile = "; recompile the .flow file (dandori compile)";
  if (!bytes.starts_with(kMagic)) {
    uint32_t old = 0;
    if (LooksLikeBareTable(bytes, &old)) {
      return Refuse(name, "a table written by an older dandori (format " + std::to_string(old) +
                              ", without a checksum)" + kRecompile);
    }
    return Refuse(name, "not a compiled table (.flowc): it does not start with 'dandori-table'");
  }
  size_t eol = bytes.substr(0, kMaxHeader).find('\n');
  size_t sum_at = bytes.substr(0, eol).find(kSum);
  std::string_view digits = bytes.substr(kMagic.size(), sum_at - kMagic.size());
  std::string_view hex = sum_at == std::string_view::npos
                             ? ""
                             : bytes.substr(sum_at + kSum.size(), eol - sum_at - kSum.size());
  bool digits_ok = !digits.empty() && digits.size() <= 9 && digits[0] != '0';
  for (char c : digits) digits_ok = digits_ok && c >= '0' && c <= '9';
  if (eol == std::string_view::npos || sum_at == std::string_view::npos || !digits_ok ||
      hex.size() != 64 || !IsHex(hex)) {
    return Refuse(name, std::string("the .flowc header is damaged") + kRecompile);
  }
  std::string_view body = bytes.substr(eol + 1);
  Sha256 sum;
  sum.Update(bytes.substr(0, sum_at));
  sum.Update(body);
  if (sum.HexDigest() != hex) {
    return Refuse(name, std::string("the .flowc is damaged (its SHA-256 checksum does not match)") +
                            kRecompile);
  }
  uint32_t version = static_cast<uint32_t>(std::stoul(std::string(digits)));
  if (version < kOldestTableFormatVersion || version > kTableFormatVersion) {
    return Refuse(name, "this table has format version " + std::to_string(version) +
                            " but this dandori reads versions " +
                            std::to_string(kOldestTableFormatVersion) + " to " +
                            std::to_string(kTableFormatVersion) +
                            (version > kTableFormatVersion ? "; upgrade dandori" : kRecompile));
  }
  Table t;
  if (!ParseTableQuietly(body, &t) || t.format_version() != version) {
    return Refuse(name, std::string("the .flowc holds no valid table") + kRecompile);
  }
  return t;
}

}  // namespace dandori::v1
