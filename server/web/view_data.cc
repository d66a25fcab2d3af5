#include "server/web/view_data.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>

#include "compiler/graph.h"

namespace dandori::server::web {
namespace {

std::string KindName(v1::StateKind k) {
  switch (k) {
    case v1::TASK:
      return "task";
    case v1::GATE:
      return "gate";
    case v1::BLOCK_BEGIN:
      return "begin";
    case v1::BLOCK_END:
      return "end";
    case v1::SUCCEED:
      return "succeed";
    case v1::FAIL:
      return "fail";
    default:
      return "other";
  }
}

std::string BlockKindName(v1::BlockKind k) {
  switch (k) {
    case v1::FOREACH:
      return "foreach";
    case v1::FANOUT:
      return "fanout";
    case v1::ROLLING:
      return "rolling";
    case v1::GROUP:
      return "group";
    case v1::ON_FAILURE:
      return "on_failure";
    case v1::ON_SUCCESS:
      return "on_success";
    default:
      return "";
  }
}

// The state index of a task key ("s12/3/7" -> 12), -1 when it has no such prefix.
int StateOfKey(const std::string& key) {
  if (key.size() < 2 || key[0] != 's') return -1;
  size_t end = key.find('/');
  std::string digits = key.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::atoi(digits.c_str());
}

}  // namespace

Result<v1::JobGraph> JobGraphOf(const std::string& table_bytes,
                                const std::vector<engine::TaskRow>& tasks) {
  v1::Table t;
  if (!t.ParseFromString(table_bytes)) return Status::Corruption("the job's Table does not parse");
  v1::JobGraph g;
  g.set_workflow(t.workflow());
  for (const v1::State& s : t.states()) {
    v1::GraphNode* n = g.add_nodes();
    n->set_index(s.index());
    n->set_kind(KindName(s.kind()));
    n->set_name(s.name());
    n->set_label(compiler::StateLabel(s));
    n->set_op(s.op());
    n->set_parent(s.parent());
    n->set_block_begin(s.kind() == v1::BLOCK_END ? s.block().begin() : -1);
    if (s.kind() == v1::BLOCK_BEGIN || s.kind() == v1::BLOCK_END) {
      const v1::State& begin =
          s.kind() == v1::BLOCK_END && s.block().begin() >= 0 && s.block().begin() < t.states_size()
              ? t.states(s.block().begin())
              : s;
      n->set_block_kind(BlockKindName(begin.block().kind()));
      if (s.kind() == v1::BLOCK_BEGIN) n->set_block_title(compiler::BlockTitle(s));
      n->set_block_var(begin.block().var());
    }
    if (s.has_loc() && s.loc().line() > 0) {
      std::string file =
          s.loc().file() >= 0 && s.loc().file() < t.files_size() ? t.files(s.loc().file()) : "?";
      n->set_loc(file + ":" + std::to_string(s.loc().line()) + ":" + std::to_string(s.loc().col()));
    }
  }
  for (const compiler::GraphEdge& e : compiler::GraphEdges(t)) {
    v1::GraphEdge* m = g.add_edges();
    m->set_from(e.from);
    m->set_to(e.to);
    m->set_kind(e.kind);
  }
  for (const engine::TaskRow& row : tasks) {
    int i = StateOfKey(row.key);
    if (i < 0 || i >= g.nodes_size()) continue;
    auto& counts = *g.mutable_nodes(i)->mutable_task_counts();
    counts[std::string(engine::TaskStateName(row.state))] += 1;
  }
  return g;
}

v1::TaskSummary TaskSummaryOf(const engine::TaskRow& row) {
  v1::TaskSummary m;
  m.set_key(row.key);
  m.set_stage(row.stage);
  m.set_state(std::string(engine::TaskStateName(row.state)));
  m.set_attempts(row.attempts);
  m.set_error(row.error);
  if (row.error_class != Code::kOk) m.set_error_class(std::string(CodeName(row.error_class)));
  m.set_updated_ms(row.updated_ms);
  m.set_label(row.label);
  return m;
}

std::string ApiJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

}  // namespace dandori::server::web
