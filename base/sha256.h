// SHA-256 (OpenSSL's, the one implementation in the repository) as lowercase hex: of a
// byte string at once, or fed in pieces (a file read in blocks). Used for a Table's
// source_sha256, the checksum of a .flowc file and artifact hashes.
#pragma once

#include <string>
#include <string_view>

namespace dandori {

std::string Sha256Hex(std::string_view data);

// Incremental: Update any number of times, then HexDigest once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  std::string HexDigest();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace dandori
