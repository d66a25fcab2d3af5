#include "proto/value_codec.h"

namespace dandori {

void ValueToProto(const Value& v, v1::Value* out) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull:
      out->set_null_value(true);
      return;
    case K::kBool:
      out->set_bool_value(v.as_bool());
      return;
    case K::kInt:
      out->set_int_value(v.as_int());
      return;
    case K::kFloat:
      out->set_float_value(v.as_float());
      return;
    case K::kString:
      out->set_string_value(v.as_string());
      return;
    case K::kDuration:
      out->set_duration_ms(v.duration_ms());
      return;
    case K::kSize:
      out->set_size(v.size_bytes());
      return;
    case K::kPercent:
      out->set_percent(v.percent());
      return;
    case K::kList: {
      auto* l = out->mutable_list_value();
      for (const Value& item : v.list()) ValueToProto(item, l->add_items());
      return;
    }
    case K::kRecord: {
      auto* r = out->mutable_record_value();
      for (const auto& [name, field] : v.record()) {
        auto* f = r->add_fields();
        f->set_name(name);
        ValueToProto(field, f->mutable_value());
      }
      return;
    }
  }
}

Value ValueFromProto(const v1::Value& p) {
  switch (p.kind_case()) {
    case v1::Value::kNullValue:
      return Value::Null();
    case v1::Value::kBoolValue:
      return Value::Bool(p.bool_value());
    case v1::Value::kIntValue:
      return Value::Int(p.int_value());
    case v1::Value::kFloatValue:
      return Value::Float(p.float_value());
    case v1::Value::kStringValue:
      return Value::String(p.string_value());
    case v1::Value::kDurationMs:
      return Value::DurationMs(p.duration_ms());
    case v1::Value::kSize:
      return Value::SizeBytes(p.size());
    case v1::Value::kPercent:
      return Value::Percent(p.percent());
    case v1::Value::kListValue: {
      Value::List items;
      items.reserve(p.list_value().items_size());
      for (const auto& item : p.list_value().items()) items.push_back(ValueFromProto(item));
      return Value::MakeList(std::move(items));
    }
    case v1::Value::kRecordValue: {
      Value::Record fields;
      for (const auto& f : p.record_value().fields()) {
        fields.emplace_back(f.name(), ValueFromProto(f.value()));
      }
      return Value::MakeRecord(std::move(fields));
    }
    case v1::Value::KIND_NOT_SET:
      return Value::Null();
  }
  return Value::Null();
}

std::string EncodeValue(const Value& v) {
  v1::Value p;
  ValueToProto(v, &p);
  return p.SerializeAsString();
}

Result<Value> DecodeValue(const std::string& bytes) {
  v1::Value p;
  if (!p.ParseFromString(bytes)) return Status::Corruption("undecodable stored value");
  return ValueFromProto(p);
}

}  // namespace dandori
