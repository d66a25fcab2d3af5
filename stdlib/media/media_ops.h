// The media operator family (stdlib/signatures.cc "media.*"), implemented with FFmpeg:
// probing in process with libavformat, all decoding and encoding in `ffmpeg` child
// processes. See docs/media.md for the frame-exact chunking method.
#pragma once

#include "stdlib/operator.h"

namespace dandori {

void RegisterMediaOperators(OperatorRegistry* registry);

}  // namespace dandori
