#include "stdlib/operator.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "stdlib/signatures.h"

namespace dandori {
namespace {

class FunctionOperator : public Operator {
 public:
  explicit FunctionOperator(std::function<Result<Value>(OperatorContext&)> fn)
      : fn_(std::move(fn)) {}
  Result<Value> Run(OperatorContext& ctx) override { return fn_(ctx); }

 private:
  std::function<Result<Value>(OperatorContext&)> fn_;
};

}  // namespace

std::string OperatorContext::Scratch() const {
  if (scratch_dir.empty()) return "";
  std::lock_guard<std::mutex> lock(scratch_once_->mu);
  if (scratch_once_->made != scratch_dir) {
    std::error_code ec;  // a failure shows when the operator opens a file there
    std::filesystem::remove_all(scratch_dir, ec);
    std::filesystem::create_directories(scratch_dir, ec);
    scratch_once_->made = scratch_dir;
  }
  return scratch_dir;
}

void OperatorRegistry::Register(std::string name, std::unique_ptr<Operator> op) {
  if (!FindOperator(name)) {
    std::fprintf(stderr, "operator '%s' has no signature in stdlib/signatures.cc\n", name.c_str());
    std::abort();
  }
  ops_[std::move(name)] = std::move(op);
}

Operator* OperatorRegistry::Find(std::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::unique_ptr<Operator> MakeOperator(std::function<Result<Value>(OperatorContext&)> fn) {
  return std::make_unique<FunctionOperator>(std::move(fn));
}

}  // namespace dandori
