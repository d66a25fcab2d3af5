#include "stdlib/media/media_ops.h"

#include <filesystem>

#include "stdlib/media/operators.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori {

void RegisterMediaOperators(OperatorRegistry* registry) {
  registry->Register("media.probe", MakeOperator(media::RunProbe));
  registry->Register("media.split", MakeOperator(media::RunSplit));
  registry->Register("media.encode", MakeOperator(media::RunEncode));
  registry->Register("media.encode_audio", MakeOperator(media::RunEncodeAudio));
  registry->Register("media.merge", MakeOperator(media::RunMerge));
  registry->Register("media.package", MakeOperator(media::RunPackage));
  registry->Register("media.thumbnail", MakeOperator(media::RunThumbnail));
  registry->Register("media.sample", MakeOperator(media::RunSample));
}

namespace media {

std::string PathArg(const OperatorContext& ctx, std::string_view name) {
  const Value v = ctx.args.Get(name);
  return v.is_null() ? "" : ResolvePath(ctx.workdir, v.as_string());
}

std::string StringArg(const OperatorContext& ctx, std::string_view name, std::string def) {
  const Value v = ctx.args.Get(name);
  return v.is_null() ? def : v.as_string();
}

std::string ScratchPath(const OperatorContext& ctx, const std::string& name) {
  return (std::filesystem::path(ctx.Scratch()) / name).string();
}

std::string SafeName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out == "." || out == "..") out = "_";
  return out;
}

}  // namespace media
}  // namespace dandori
