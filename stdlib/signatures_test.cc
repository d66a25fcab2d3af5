#include "stdlib/signatures.h"

#include <catch2/catch.hpp>

namespace dandori {

TEST_CASE("every operator of DESIGN §6 has a signature") {
  for (const char* name : {"exec",
                           "http.request",
                           "sleep",
                           "notify.webhook",
                           "fail",
                           "noop",
                           "media.probe",
                           "media.split",
                           "media.encode",
                           "media.encode_audio",
                           "media.merge",
                           "media.package",
                           "media.thumbnail",
                           "media.sample",
                           "storage.place",
                           "fleet.inventory",
                           "fleet.distribute",
                           "fleet.deregister",
                           "fleet.drain",
                           "fleet.restart",
                           "fleet.health",
                           "fleet.register"}) {
    INFO(name);
    const OperatorSignature* sig = FindOperator(name);
    REQUIRE(sig);
    CHECK(sig->output->kind == Type::Kind::kRecord);
  }
  CHECK(FindOperator("media.nope") == nullptr);
}

TEST_CASE("arguments bind with defaults and checks") {
  const OperatorSignature* split = FindOperator("media.split");
  auto bound = BindArguments(*split, Value::MakeRecord({{"src", Value::String("in.mp4")}}));
  REQUIRE(bound.ok());
  CHECK(bound->Get("target") == Value::DurationMs(10000));
  CHECK_FALSE(BindArguments(*split, Value::MakeRecord({})).ok());
  CHECK_FALSE(BindArguments(*split, Value::MakeRecord(
                                        {{"src", Value::String("a")}, {"bogus", Value::Int(1)}}))
                  .ok());
  const OperatorSignature* pkg = FindOperator("media.package");
  auto bad = BindArguments(*pkg, Value::MakeRecord({{"renditions", Value::MakeList({})},
                                                    {"format", Value::String("flv")}}));
  CHECK(bad.status().message().find("one of hls, dash") != std::string::npos);
}

TEST_CASE("named types resolve") {
  REQUIRE(FindNamedType("chunk"));
  CHECK(FindNamedType("zone")->FindField("servers")->type->ToString() == "list<server>");
  auto t = ParseType("{a: int, b?: list<string>}", FindNamedType);
  REQUIRE(t.ok());
  CHECK((*t)->fields.size() == 2);
  CHECK((*t)->fields[1].optional);
}

}  // namespace dandori

namespace dandori {

TEST_CASE("named types are defined once, whichever lookup comes first") {
  const Type* before = FindNamedType("server");
  REQUIRE(before);
  REQUIRE(FindOperator("fleet.drain"));
  CHECK(FindNamedType("server") == before);
}

}  // namespace dandori
