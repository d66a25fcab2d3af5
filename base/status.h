// Status and Result<T>: errors as values at module boundaries (after leveldb's Status).
//
// A Status is ok or carries a code and a message. The first four error codes are the
// operator error classes of DESIGN §5 (transient, timeout, permanent, cancelled); the
// rest describe bad input and internal failures of dandori itself.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dandori {

enum class Code {
  kOk = 0,
  kTransient,        // retry may help (connection refused, 5xx, a crashed child)
  kTimeout,          // an attempt ran past its timeout or missed a heartbeat
  kPermanent,        // retrying cannot help (bad input file, 4xx, unsupported codec)
  kCancelled,        // stopped on request
  kInvalidArgument,  // bad user input to dandori itself (exit 2)
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // e.g. a stale fencing token, a store schema too new
  kCorruption,          // unreadable store or table bytes
  kUnavailable,         // locked store, unreachable database
  kInternal,
  // The attempt's executor died or stalled past its lease (a zombie rescue): a real
  // attempt, retried like transient errors, and once even without a retry policy
  // (engine/retry.h). Last, so that stored error classes keep their numbers.
  kLost,
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Transient(std::string m) { return {Code::kTransient, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Permanent(std::string m) { return {Code::kPermanent, std::move(m)}; }
  static Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
  static Status Invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "permanent: no such file: in.mp4"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T> holds a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define DANDORI_RETURN_IF_ERROR(expr) \
  do {                                \
    ::dandori::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

}  // namespace dandori
