// Loader: a serialized or parsed Table -> Program (engine/program.h). Refuses another
// format version naming both (proto/table_version.h), unknown operators, and any table
// that proto/table_verify refuses, so the scheduler can trust every index and
// transition it reads. Also binds job parameters.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "engine/program.h"

namespace dandori::engine {

// `registry` may be null (plan / status): impl pointers then stay null.
Result<std::shared_ptr<const Program>> LoadTable(const v1::Table& table,
                                                 const OperatorRegistry* registry);
Result<std::shared_ptr<const Program>> LoadTableBytes(const std::string& bytes,
                                                      const OperatorRegistry* registry);
// Reads a .flowc file (proto/table_file.h: header and checksum checked before parsing).
Result<v1::Table> ReadTableFile(const std::string& path);

// Binds `given` (name -> text from --param k=v, or JSON for lists/records) to the
// parameters: coerces to the declared types, fills defaults, refuses unknown names and
// missing required ones. Returns the record of all parameters in declaration order.
Result<Value> BindParams(const Program& program, const std::map<std::string, std::string>& given);

}  // namespace dandori::engine
