#include "stdlib/signatures.h"

#include <map>
#include <mutex>

#include <fmt/format.h>

namespace dandori {
namespace {

const Type* FindDefinedType(std::string_view name);

// Types in signatures resolve against the named types defined so far (no locking:
// this runs only inside the one-time definition of the registry).
TypePtr T(std::string_view text) {
  auto t = ParseType(text, FindDefinedType);
  if (!t.ok()) {
    fmt::print(stderr, "signatures: bad type '{}'\n", text);
    std::abort();
  }
  return *t;
}

TypeField F(std::string name, std::string_view type, bool optional = false) {
  return TypeField{std::move(name), T(type), optional};
}

ArgSpec Req(std::string name, std::string_view type, std::string doc = "") {
  return ArgSpec{std::move(name), T(type), true, std::nullopt, {}, std::move(doc)};
}
ArgSpec Opt(std::string name, std::string_view type, std::optional<Value> def = std::nullopt,
            std::string doc = "") {
  return ArgSpec{std::move(name), T(type), false, std::move(def), {}, std::move(doc)};
}
ArgSpec Choice(std::string name, std::vector<std::string> choices, std::string def) {
  return ArgSpec{std::move(name),
                 Type::String(),
                 false,
                 Value::String(std::move(def)),
                 std::move(choices),
                 ""};
}

Value Ms(int64_t ms) { return Value::DurationMs(ms); }
constexpr int64_t kSec = 1000, kMin = 60 * kSec, kHour = 60 * kMin;

// Named record types, in dependency order (later ones may use earlier ones).
std::map<std::string, TypePtr, std::less<>>& NamedTypes() {
  static auto* types = new std::map<std::string, TypePtr, std::less<>>();
  return *types;
}

const Type* FindDefinedType(std::string_view name) {
  auto& types = NamedTypes();
  auto it = types.find(name);
  return it == types.end() ? nullptr : it->second.get();
}

void DefineType(std::string name, std::vector<TypeField> fields) {
  NamedTypes()[name] = Type::Record(name, std::move(fields));
}

void DefineTypesOnce();

void DefineTypes() {
  // Named types are defined exactly once: ParseType hands out non-owning pointers to them.
  static std::once_flag once;
  std::call_once(once, DefineTypesOnce);
}

void DefineTypesOnce() {
  DefineType("rendition",
             {F("name", "string"), F("height", "int"), F("width", "int", true),
              F("codec", "string", true), F("crf", "int", true), F("bitrate", "size", true),
              F("preset", "string", true), F("device", "string", true)});
  DefineType("probe", {F("path", "path"),
                       F("duration", "duration"),
                       F("frames", "int"),
                       F("fps", "string"),
                       F("fps_num", "int"),
                       F("fps_den", "int"),
                       F("width", "int"),
                       F("height", "int"),
                       F("video_codec", "string"),
                       F("pix_fmt", "string"),
                       F("has_audio", "bool"),
                       F("audio_streams", "int"),
                       F("audio_codec", "string", true),
                       F("audio",
                         "list<{index: int, codec: string, language: string, title: string, "
                         "channels: int}>"),
                       F("languages", "list<string>"),
                       F("vfr", "bool"),
                       F("rotation", "int"),
                       F("interlaced", "bool"),
                       F("field_order", "string"),
                       F("keyframes", "list<int>"),
                       F("bit_rate", "size")});
  DefineType(
      "chunk",
      {F("index", "int"), F("source", "path"), F("start_frame", "int"), F("end_frame", "int"),
       F("frames", "int"), F("fps", "string"), F("total_frames", "int"), F("path", "path", true),
       F("timebase", "string", true), F("start_ts", "int", true), F("end_ts", "int", true),
       F("seek_us", "int", true), F("field_order", "string", true)});
  DefineType("encoded", {F("index", "int"), F("path", "path"), F("frames", "int"),
                         F("codec", "string"), F("width", "int"), F("height", "int"),
                         F("bytes", "size"), F("rendition", "string", true),
                         F("timebase", "string", true), F("start_ts", "int", true),
                         F("end_ts", "int", true), F("deinterlaced", "bool", true)});
  DefineType("audio_track", {F("path", "path"), F("codec", "string"), F("bitrate", "size"),
                             F("duration", "duration"), F("index", "int"), F("language", "string"),
                             F("name", "string"), F("channels", "int")});
  DefineType("track", {F("path", "path"), F("codec", "string"), F("bitrate", "size"),
                       F("duration", "duration"), F("language", "string", true),
                       F("name", "string", true), F("tracks", "list<audio_track>", true)});
  DefineType("video",
             {F("path", "path"), F("name", "string"), F("codec", "string"), F("codecs", "string"),
              F("width", "int"), F("height", "int"), F("bitrate", "size"), F("frames", "int"),
              F("duration", "duration"), F("has_audio", "bool")});
  DefineType("server",
             {F("id", "string"), F("zone", "string"), F("admin", "string"), F("metrics", "string"),
              F("registry", "string"), F("restart_argv", "list<string>", true),
              F("distribute_argv", "list<string>", true)});
  DefineType("zone", {F("name", "string"), F("servers", "list<server>")});
}

std::vector<OperatorSignature> DefineOperators() {
  const std::vector<Code> kAll = {Code::kTransient, Code::kTimeout, Code::kPermanent,
                                  Code::kCancelled};
  const std::vector<Code> kPermOnly = {Code::kPermanent, Code::kCancelled};
  std::vector<OperatorSignature> ops;
  auto add = [&](std::string name, std::vector<ArgSpec> args, std::string_view out,
                 std::vector<Code> raises, int64_t estimate_ms, std::string doc) {
    std::string family = name.substr(0, name.find('.'));
    if (family == name) family = "core";
    if (family == "http" || family == "notify") family = "core";
    ops.push_back(OperatorSignature{std::move(name), std::move(family), std::move(args), T(out),
                                    std::move(raises), estimate_ms, std::move(doc)});
  };

  // ---- core ----
  add("exec",
      {Req("argv", "list<string>", "program and arguments; never a shell string"),
       Opt("env", "any", std::nullopt, "record of extra environment variables"), Opt("cwd", "path"),
       Opt("transient_codes", "list<int>", Value::MakeList({Value::Int(75)}),
           "exit codes classified transient (default: 75, EX_TEMPFAIL)")},
      "{exit_code: int, stdout: string, stdout_path: path, stderr_path: path}", kAll, 1 * kSec,
      "Runs a program; exit 0 is ok, a listed code transient, any other permanent.");
  add("sleep", {Req("duration", "duration")}, "{slept: duration}", {Code::kCancelled}, 0,
      "Waits; the estimate is the duration itself.");
  add("noop", {Opt("value", "any")}, "{value: any}", {}, 0, "Does nothing; returns its input.");
  add("fail",
      {Opt("message", "string", Value::String("failed on purpose")),
       Choice("class", {"transient", "timeout", "permanent"}, "permanent"),
       Opt("times", "int", Value::Int(-1), "fail only the first N attempts (-1: always)")},
      "{}", kAll, 0, "Fails with the given class (tests and demos).");
  add("http.request",
      {Req("url", "string"), Choice("method", {"GET", "POST", "PUT", "DELETE", "PATCH"}, "GET"),
       Opt("body", "any"), Opt("headers", "any"), Opt("timeout", "duration", Ms(30 * kSec)),
       Opt("expect", "list<int>", std::nullopt, "accepted statuses (default 2xx)")},
      "{status: int, body: string, json: any}", kAll, 1 * kSec,
      "HTTP call; refused / timed out / 5xx are transient, 4xx permanent.");
  add("notify.webhook",
      {Req("url", "string"), Req("text", "string"), Opt("timeout", "duration", Ms(10 * kSec))},
      "{status: int}", kAll, 500, "Posts a Slack-compatible {\"text\": ...} JSON body.");

  // ---- media ----
  add("media.probe", {Req("src", "path")}, "probe", kPermOnly, 2 * kSec,
      "Reads duration, frame count, exact frame rate, size, codecs and keyframes.");
  add("media.split",
      {Req("src", "path"), Opt("target", "duration", Ms(10 * kSec)),
       Opt("gop", "duration", Ms(2 * kSec), "chunk boundaries fall on multiples of this"),
       Opt("conform", "string", std::nullopt,
           "a constant rate (\"25\", \"30000/1001\") to resample to; \"\" keeps the timing"),
       Choice("at", {"grid", "scenes"}, "grid"),
       Opt("scene", "int", Value::Int(30),
           "with at: scenes, the scene-change score (percent) that counts as a cut")},
      "{chunks: list<chunk>, frames: int, fps: string, vfr: bool, source_frames: int, "
      "duplicated: int, dropped: int, scene_cuts: list<int>}",
      kAll, 5 * kSec,
      "Cuts the source into frame-exact chunks of about `target` each (at: scenes moves cuts to "
      "scene changes).");
  add("media.encode",
      {Req("chunk", "chunk"), Choice("codec", {"h264", "hevc", "av1", "vp9"}, "h264"),
       Req("height", "int"), Opt("width", "int", std::nullopt, "default: keep aspect, even"),
       Opt("crf", "int"), Opt("bitrate", "size"), Opt("preset", "string"),
       Opt("gop", "duration", Ms(2 * kSec), "keyframe interval; divides the segment length"),
       Opt("name", "string"),
       Opt("threads", "int", std::nullopt, "encoder threads (default: the encoder's choice)"),
       Choice("deinterlace", {"auto", "on", "off"}, "auto")},
      "encoded", kAll, 10 * kMin,
      "Encodes one chunk, video only, closed GOPs on a fixed grid; bwdif for interlaced sources.");
  add("media.encode_audio",
      {Req("src", "path"), Choice("codec", {"aac", "opus"}, "aac"),
       Opt("bitrate", "size", Value::SizeBytes(128000)),
       Opt("languages", "list<string>", std::nullopt,
           "only these languages (\"en\", \"fra\"), each required; default: every stream")},
      "track", kAll, 1 * kMin,
      "Encodes every audio stream (or the given languages) once; fails on a video-only source.");
  add("media.merge", {Req("chunks", "list<encoded>"), Opt("audio", "track"), Opt("name", "string")},
      "video", kAll, 1 * kMin, "Joins encoded chunks (and audio) into one file per rendition.");
  add("media.package",
      {Req("renditions", "list<video>"), Choice("format", {"hls", "dash"}, "hls"),
       Opt("segment", "duration", Ms(6 * kSec)), Opt("audio", "track")},
      "{dir: path, master: path, renditions: int, audio_tracks: int}", kAll, 1 * kMin,
      "Writes a master playlist and per-rendition fMP4 segments.");
  add("media.thumbnail",
      {Req("src", "path"), Opt("every", "duration", Ms(10 * kSec)),
       Opt("width", "int", Value::Int(320))},
      "{dir: path, images: list<path>, count: int}", kAll, 30 * kSec,
      "One JPEG every `every` seconds.");
  add("media.sample",
      {Req("src", "path"), Opt("start", "duration", Ms(0)),
       Opt("length", "duration", Ms(30 * kSec)), Opt("height", "int", Value::Int(480))},
      "{path: path, duration: duration}", kAll, 30 * kSec, "A short preview clip.");

  // ---- storage ----
  add("storage.place",
      {Req("dir", "path"), Req("candidates", "list<path>"),
       Opt("min_free", "size", Value::SizeBytes(0)), Opt("name", "string")},
      "{path: path, root: path, bytes: size}", kAll, 10 * kSec,
      "Moves a folder to the candidate root with the most free space, atomically.");

  // ---- fleet ----
  add("fleet.inventory", {Req("path", "path")}, "{zones: list<zone>, servers: int}", kPermOnly, 100,
      "Reads zones and servers from YAML or JSON.");
  add("fleet.distribute",
      {Req("server", "server"), Req("artifact", "path"),
       Opt("argv", "list<string>", std::nullopt,
           "copy command; {src} {dest} {host} are replaced per argument"),
       Opt("sha256", "string")},
      "{path: string, sha256: string, bytes: size}", kAll, 20 * kSec,
      "Copies the artifact to the server and verifies its sha256.");
  add("fleet.deregister", {Req("server", "server")}, "{server: string}", kAll, 200,
      "DELETE {registry}/servers/{id}.");
  add("fleet.register", {Req("server", "server")}, "{server: string}", kAll, 200,
      "PUT {registry}/servers/{id}.");
  add("fleet.drain",
      {Req("server", "server"),
       Opt("stall", "duration", Ms(10 * kMin), "stalled: no camera moved for this long"),
       Opt("max_remaining", "int", Value::Int(0),
           "stragglers accepted at a stall or the time limit (the restart drops them)"),
       Opt("poll", "duration", Ms(2 * kSec)),
       Opt("timeout", "duration", std::nullopt, "the drain's own time limit (0/absent: none)"),
       Opt("park", "bool", Value::Bool(false),
           "a stall ends with stalled: true instead of an error; the plan restores the server")},
      "{remaining: int, moved: int, elapsed: duration, stalled: bool, version: string, "
      "reason: string}",
      kAll, 10 * kMin,
      "Drains cameras; judges stalls (no camera moved for `stall`), not slowness.");
  add("fleet.restart",
      {Req("server", "server"), Req("version", "string"), Opt("argv", "list<string>"),
       Opt("wait", "duration", Ms(5 * kMin)),
       Opt("force", "bool", Value::Bool(false),
           "restart even when already serving `version` (a retried restart + health group)"),
       Opt("max_drop", "int", Value::Int(0),
           "cameras it may drop; more attached: refused (pass drain.remaining)")},
      "{version: string, elapsed: duration, dropped: int, restarted: bool}", kAll, 1 * kMin,
      "Restarts the process on the new version and waits until it answers.");
  add("fleet.restore",
      {Req("server", "server"),
       Opt("version", "string", std::nullopt, "version to keep (default: the one it runs)")},
      "{server: string, was: string, action: string}", kAll, 1 * kSec,
      "Puts a server back in service: calls a drain off, rolls back, registers it.");
  add("fleet.sweep",
      {Opt("servers", "list<server>"), Opt("zones", "list<zone>"), Req("version", "string"),
       Opt("strict", "bool", Value::Bool(true), "fail when any server is not upgraded")},
      "{servers: int, upgraded: int, restored: int, out_of_service: int, "
      "not_upgraded: list<{server: string, version: string, reason: string}>}",
      kAll, 2 * kSec,
      "Restores every server left out of service; lists every server not upgraded.");
  add("fleet.health",
      {Req("server", "server"), Req("expr", "string"), Opt("prometheus", "string"),
       Opt("interval", "duration", Ms(2 * kSec)), Opt("consecutive", "int", Value::Int(3)),
       Opt("timeout", "duration", std::nullopt, "give up after this long (absent: the attempt's)")},
      "{ok: bool, checks: int}", kAll, 30 * kSec,
      "Passes when `expr` holds on the metrics `consecutive` times in a row.");
  return ops;
}

const std::vector<OperatorSignature>& Registry() {
  static const std::vector<OperatorSignature>* ops = [] {
    DefineTypes();
    return new std::vector<OperatorSignature>(DefineOperators());
  }();
  return *ops;
}

}  // namespace

const ArgSpec* OperatorSignature::FindArg(std::string_view arg) const {
  for (const ArgSpec& a : args) {
    if (a.name == arg) return &a;
  }
  return nullptr;
}

const OperatorSignature* FindOperator(std::string_view name) {
  for (const OperatorSignature& op : Registry()) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

const std::vector<OperatorSignature>& AllOperators() { return Registry(); }

const Type* FindNamedType(std::string_view name) {
  DefineTypes();
  return FindDefinedType(name);
}

std::vector<std::string> NamedTypeNames() {
  Registry();
  std::vector<std::string> out;
  for (const auto& [name, type] : NamedTypes()) out.push_back(name);
  return out;
}

Result<Value> BindArguments(const OperatorSignature& sig, const Value& args) {
  if (args.kind() != Value::Kind::kRecord) {
    return Status::Invalid(fmt::format("{}: arguments must be a record", sig.name));
  }
  for (const auto& [name, value] : args.record()) {
    if (!sig.FindArg(name)) {
      return Status::Invalid(fmt::format("{}: unknown argument '{}'", sig.name, name));
    }
  }
  Value::Record out;
  for (const ArgSpec& spec : sig.args) {
    const Value* given = args.Find(spec.name);
    if (!given || given->is_null()) {
      if (spec.default_value) {
        out.emplace_back(spec.name, *spec.default_value);
      } else if (spec.required) {
        return Status::Invalid(fmt::format("{}: missing argument '{}'", sig.name, spec.name));
      }
      continue;
    }
    auto v = CoerceValue(*given, *spec.type);
    if (!v.ok()) {
      return Status::Invalid(
          fmt::format("{}: argument '{}': {}", sig.name, spec.name, v.status().message()));
    }
    if (!spec.choices.empty()) {
      bool found = false;
      for (const auto& c : spec.choices) found = found || v->as_string() == c;
      if (!found) {
        return Status::Invalid(fmt::format("{}: argument '{}' must be one of {}, got '{}'",
                                           sig.name, spec.name, fmt::join(spec.choices, ", "),
                                           v->as_string()));
      }
    }
    out.emplace_back(spec.name, std::move(*v));
  }
  return Value::MakeRecord(std::move(out));
}

}  // namespace dandori
