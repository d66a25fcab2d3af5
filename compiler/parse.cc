// The parse adapter's driver: validates and pre-scans the bytes (limits), then parses
// the file item by item (SLL first, full LL with human error messages when SLL fails;
// see Run::Entry) and builds the File. The pieces, all private to compiler/parse*.cc
// (the only files that see ANTLR):
//   parse_run.h / parse_run.cc     ByteStream, Sink, TokenFilter, Run (lex + parse)
//   parse_errors.cc                ErrorStrategy: recognition errors in human words
//   parse_builder.h                Builder: parse tree -> AST
//   parse_build.cc / parse_expr.cc its items, statements, policies / expressions
//   parse_scan.h / parse_scan.cc   byte-level checks free of ANTLR types
//
// ANTLR is fed one char per byte (ByteStream), so token indices are byte offsets and
// columns are byte columns, and the text of strings and comments is read from the
// original bytes (never through ANTLR's UTF-32 conversion).
#include "compiler/parse.h"

#include <string>
#include <vector>

#include "compiler/parse_builder.h"
#include "compiler/parse_scan.h"

namespace dandori::compiler {
namespace {

using namespace parse_detail;

// The checks that run before any lexing: size, encoding, nesting.
bool Precheck(std::string_view text, Sink* sink) {
  if (text.size() > kMaxFileBytes) {
    sink->Error(Loc{sink->file, 1, 1}, "E003",
                fmt::format("file is {} bytes; the limit is {} bytes (10 MiB)", text.size(),
                            kMaxFileBytes));
    return false;
  }
  BytePos where;
  std::string message;
  if (!ValidateText(text, &where, &message)) {
    sink->Error(Loc{sink->file, where.line, where.col}, "E002", message);
    return false;
  }
  if (!CheckNesting(text, kMaxNesting, &where)) {
    sink->Error(
        Loc{sink->file, where.line, where.col}, "E003",
        fmt::format("nesting deeper than {} levels of brackets, braces or '${{'", kMaxNesting));
    return false;
  }
  return true;
}

// Drives the entry rules item by item (see grammar/Flow.g4) and builds the File.
class Driver {
 public:
  Driver(std::string_view text, Sink* sink)
      : sink_(sink),
        text_(text),
        run_(text, 0, text.size(), 1, 1, sink, &comments_),
        builder_(text, sink, &run_) {}

  std::unique_ptr<File> Parse() {
    auto out = std::make_unique<File>();
    out->file = sink_->file;
    for (size_t t = run_.LA(); t != Token::EOF; t = run_.LA()) {
      if (t == P::IMPORT || t == P::CONST) {
        builder_.TopItem(run_.Entry(&FlowParser::topItem), out.get());
      } else if (t == P::WORKFLOW) {
        Workflow w = ParseWorkflow();
        if (out->workflow) {
          sink_->Error(
              w.loc, "E006",
              fmt::format("a file holds one workflow; '{}' is declared at {}:{}",
                          out->workflow->name, out->workflow->loc.line, out->workflow->loc.col));
        } else {
          out->workflow = std::move(w);
        }
      } else {
        run_.SkipUnexpected("'import', 'const' or 'workflow'", {P::IMPORT, P::CONST, P::WORKFLOW});
      }
    }
    out->comments = std::move(comments_);
    return out;
  }

 private:
  Workflow ParseWorkflow() {
    P::WorkflowHeadContext* head = run_.Entry(&FlowParser::workflowHead);
    Workflow w = builder_.WorkflowHead(head);
    Token* open = head && head->LBRACE() ? head->LBRACE()->getSymbol() : nullptr;
    int open_line = open ? static_cast<int>(open->getLine()) : 0;
    int open_col = open ? static_cast<int>(open->getCharPositionInLine()) + 1 : 0;
    bool opened = open && open->getTokenIndex() != INVALID_INDEX;
    for (;;) {
      size_t t = run_.LA();
      if (t == P::RBRACE) {
        builder_.WorkflowTail(run_.Entry(&FlowParser::workflowTail), &w);
        return w;
      }
      if (t == Token::EOF) {
        Token* prev = run_.Previous();
        if (opened && prev && !ReportUnclosedBlock(sink_, text_)) {
          sink_->Syntax(
              static_cast<int>(prev->getLine()),
              static_cast<int>(prev->getCharPositionInLine() + prev->getStopIndex() -
                               prev->getStartIndex()) +
                  2,
              fmt::format("expected '}}' to close the block opened at {}:{}", open_line, open_col));
        }
        return w;
      }
      if (IsItemStart(t)) {
        builder_.WorkflowItem(run_.Entry(&FlowParser::workflowItem), &w);
      } else {
        run_.SkipUnexpected("a stage, foreach, fanout, rolling, group or approve",
                            {P::STAGE, P::FOREACH, P::FANOUT, P::ROLLING, P::GROUP, P::APPROVE,
                             P::ON, P::DEFAULTS, P::RBRACE});
      }
    }
  }

  Sink* sink_;
  std::string_view text_;
  std::vector<Comment> comments_;
  Run run_;
  Builder builder_;
};

}  // namespace

std::unique_ptr<File> ParseFile(const SourceManager& sm, int file, Diagnostics& diags) {
  std::string_view text = sm.text(file);
  Sink sink{diags, file};
  auto empty = [&] {
    auto out = std::make_unique<File>();
    out->file = file;
    return out;
  };
  if (!Precheck(text, &sink)) return empty();
  try {
    Driver driver(text, &sink);
    return driver.Parse();
  } catch (const TooManyErrors&) {
    return empty();
  } catch (const std::exception& e) {
    diags.Error(Loc{file, 1, 1}, "E003", fmt::format("the parser gave up: {}", e.what()));
    return empty();
  }
}

ExprPtr ParseExpression(const SourceManager& sm, int file, Diagnostics& diags) {
  std::string_view text = sm.text(file);
  Sink sink{diags, file};
  auto null = [&] {
    auto e = std::make_unique<Expr>();
    e->loc = Loc{file, 1, 1};
    return e;
  };
  if (!Precheck(text, &sink)) return null();
  try {
    std::vector<Comment> comments;
    Run run(text, 0, text.size(), 1, 1, &sink, &comments);
    P::ExprOnlyContext* tree = run.Entry(&FlowParser::exprOnly);
    Builder builder(text, &sink, &run);
    return builder.BuildExprOnly(tree);
  } catch (const TooManyErrors&) {
    return null();
  } catch (const std::exception& e) {
    diags.Error(Loc{file, 1, 1}, "E003", fmt::format("the parser gave up: {}", e.what()));
    return null();
  }
}

}  // namespace dandori::compiler
