// Conversion between the runtime Value (base/value.h) and its protobuf form
// (dandori.v1.Value), used for the constant pool, stored outputs and the API.
#pragma once

#include <string>

#include "base/value.h"
#include "dandori/v1/table.pb.h"

namespace dandori {

void ValueToProto(const Value& v, v1::Value* out);
Value ValueFromProto(const v1::Value& p);

// Compact binary encoding of a Value (serialized dandori.v1.Value) for stores.
std::string EncodeValue(const Value& v);
Result<Value> DecodeValue(const std::string& bytes);

}  // namespace dandori
