#include "stdlib/operator.h"

#include <cstdio>
#include <cstdlib>

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
