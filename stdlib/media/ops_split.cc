// media.probe and media.split: what the source is, and the chunk plan. Three timing
// modes (docs/media.md): a constant-rate source is cut into frame ranges on its rate's
// grid; a variable-rate source keeps its own timestamps (each chunk carries its exact
// start and end in the stream's time base); with `conform: RATE` the source is
// resampled to a constant rate once, into lossless intermediate chunks, and the frames
// duplicated / dropped are reported. `at: scenes` moves the boundaries to scene changes
// near them (scenes.h).
#include <cmath>

#include <fmt/format.h>

#include "stdlib/media/chunking.h"
#include "stdlib/media/intermediate.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/scenes.h"
#include "stdlib/media/timing.h"

namespace dandori::media {

Result<Value> RunProbe(OperatorContext& ctx) {
  auto p = ProbeFile(PathArg(ctx, "src"));
  if (!p.ok()) return p.status();
  return ProbeToValue(*p);
}

namespace {

struct Plan {
  std::vector<FrameRange> ranges;
  std::vector<std::string> files;  // intermediate chunk files, or empty
  int64_t frames = 0, fps_num = 0, fps_den = 1;
  ConformCounts conform;  // when conformed
  bool conformed = false;
  std::vector<int64_t> scene_cuts;  // with at: scenes, every scene change found
};

Value ChunkValue(const ProbeInfo& p, const Plan& plan, size_t i, const std::string& src) {
  const FrameRange& r = plan.ranges[i];
  Value::Record c = {{"index", Value::Int(int64_t(i))},
                     {"source", Value::String(src)},
                     {"start_frame", Value::Int(r.start)},
                     {"end_frame", Value::Int(r.end)},
                     {"frames", Value::Int(r.frames())},
                     {"fps", Value::String(fmt::format("{}/{}", plan.fps_num, plan.fps_den))},
                     {"total_frames", Value::Int(plan.frames)},
                     {"path", plan.files.empty() ? Value() : Value::String(plan.files[i])},
                     {"field_order", Value::String(p.field_order)}};
  if (p.vfr && !plan.conformed) {
    // Variable rate, kept: the chunk's exact place in the source's own time base, and a
    // seek point halfway between its first frame and the one before.
    const int64_t start = p.pts[r.start];
    const int64_t end = r.end < p.frames ? p.pts[r.end] : p.end_pts;
    const int64_t prev = r.start > 0 ? p.pts[r.start - 1] : start;
    const int64_t seek_us =
        (TicksToMicros(prev, p.tb_num, p.tb_den) + TicksToMicros(start, p.tb_num, p.tb_den)) / 2;
    c.push_back({"timebase", Value::String(p.timebase())});
    c.push_back({"start_ts", Value::Int(start)});
    c.push_back({"end_ts", Value::Int(end)});
    c.push_back({"seek_us", Value::Int(seek_us)});
  }
  return Value::MakeRecord(std::move(c));
}

Result<Plan> MakePlan(OperatorContext& ctx, const ProbeInfo& p) {
  Plan plan;
  plan.frames = p.frames;
  plan.fps_num = p.fps_num;
  plan.fps_den = p.fps_den;
  const std::string conform = StringArg(ctx, "conform");
  if (!conform.empty()) {
    auto rate = ParseFps(conform);
    if (!rate.ok()) {
      return Status::Permanent(
          fmt::format("split of {}: conform: {}", p.path, rate.status().message()));
    }
    std::tie(plan.fps_num, plan.fps_den) = *rate;
    plan.conform = CountConform(p.pts, p.end_pts, p.tb_num, p.tb_den, plan.fps_num, plan.fps_den);
    plan.frames = plan.conform.frames_out;
    plan.conformed = true;
  }
  const Value gop_v = ctx.args.Get("gop");
  const int64_t gop_ms = gop_v.is_null() ? 2000 : gop_v.duration_ms();
  const int64_t grid = DurationFrames(gop_ms, plan.fps_num, plan.fps_den);
  const int64_t target =
      DurationFrames(ctx.args.Get("target").duration_ms(), plan.fps_num, plan.fps_den);
  plan.ranges = PlanChunks(plan.frames, target, grid);
  const std::string at = StringArg(ctx, "at", "grid");
  if (at == "scenes") {
    if (plan.conformed) {
      return Status::Permanent(
          fmt::format("split of {}: at: scenes cannot be combined with conform (scene changes are "
                      "found in source frames, the conformed plan counts resampled ones)",
                      p.path));
    }
    const Value threshold = ctx.args.Get("scene");
    auto cuts = DetectScenes(ctx, p, threshold.is_null() ? 30 : int(threshold.as_int()));
    if (!cuts.ok()) return cuts.status();
    plan.scene_cuts = std::move(*cuts);
    plan.ranges = SnapToScenes(plan.ranges, plan.scene_cuts, target);
  } else if (at != "grid") {
    return Status::Permanent(fmt::format("split of {}: bad at '{}': grid or scenes", p.path, at));
  }
  if (plan.conformed) {
    auto written = WriteIntermediateChunks(ctx, p, plan.ranges,
                                           Resample{plan.fps_num, plan.fps_den, plan.frames});
    if (!written.ok()) return written.status();
    plan.files = std::move(*written);
  } else if (!p.vfr && plan.ranges.size() > 1 &&
             (!p.exact_seek() ||
              WastedDecodeFrames(plan.ranges, p.keyframes) > kIntermediateFactor * p.frames)) {
    // Sparse keyframes: write lossless intermediates once instead of decoding the same
    // leading frames again for every chunk (docs/media.md); the same for containers
    // without an index, where a seek is not exact (probe.h).
    auto written = WriteIntermediateChunks(ctx, p, plan.ranges, std::nullopt);
    if (!written.ok()) return written.status();
    plan.files = std::move(*written);
  }
  return plan;
}

}  // namespace

Result<Value> RunSplit(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  auto plan = MakePlan(ctx, *p);
  if (!plan.ok()) return plan.status();
  Value::List chunks, cuts;
  for (int64_t c : plan->scene_cuts) cuts.push_back(Value::Int(c));
  for (size_t i = 0; i < plan->ranges.size(); ++i) chunks.push_back(ChunkValue(*p, *plan, i, src));
  return Value::MakeRecord(
      {{"chunks", Value::MakeList(std::move(chunks))},
       {"frames", Value::Int(plan->frames)},
       {"fps", Value::String(fmt::format("{}/{}", plan->fps_num, plan->fps_den))},
       {"vfr", Value::Bool(p->vfr)},
       {"source_frames", Value::Int(p->frames)},
       {"duplicated", Value::Int(plan->conformed ? plan->conform.duplicated : 0)},
       {"dropped", Value::Int(plan->conformed ? plan->conform.dropped : 0)},
       {"scene_cuts", Value::MakeList(std::move(cuts))}});
}

}  // namespace dandori::media
