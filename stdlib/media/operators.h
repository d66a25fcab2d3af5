// The media operators' entry points (one function per operator in stdlib/signatures.cc
// "media.*"), and small helpers they share. media_ops.cc registers them; tests and the
// benchmark call them directly through the OperatorContext contract.
//
// Every output is written under ctx.scratch_dir with a temporary name and published
// with fsync + rename (stdlib/storage/fs_atomic.h); a failed attempt removes its
// temporary files, so no partial output is ever visible.
#pragma once

#include <string>

#include "base/status.h"
#include "base/value.h"
#include "stdlib/operator.h"

namespace dandori::media {

Result<Value> RunProbe(OperatorContext& ctx);
Result<Value> RunSplit(OperatorContext& ctx);
Result<Value> RunEncode(OperatorContext& ctx);
Result<Value> RunEncodeAudio(OperatorContext& ctx);
Result<Value> RunMerge(OperatorContext& ctx);
Result<Value> RunPackage(OperatorContext& ctx);
Result<Value> RunThumbnail(OperatorContext& ctx);
Result<Value> RunSample(OperatorContext& ctx);

// Helpers shared by the operator files.
std::string PathArg(const OperatorContext& ctx, std::string_view name);  // resolved
std::string StringArg(const OperatorContext& ctx, std::string_view name, std::string def = "");
// scratch_dir/<name>
std::string ScratchPath(const OperatorContext& ctx, const std::string& name);
// Letters, digits, '-', '_' and '.' kept; anything else becomes '_'.
std::string SafeName(const std::string& name);

}  // namespace dandori::media
