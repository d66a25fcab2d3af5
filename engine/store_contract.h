// The store contract: the behaviour every Store implementation must show (SQLite here,
// PostgreSQL in its own module). Call from a Catch2 TEST_CASE with a factory that
// returns a fresh, empty store each time; `reopen` (optional) returns a second handle
// on the SAME database as the last store made, to check visibility across processes.
//
//   TEST_CASE("sqlite store contract") {
//     RunStoreContract([&] { return MakeFreshStore(); }, [&] { return ReopenStore(); });
//   }
#pragma once

#include <functional>
#include <memory>

#include "engine/store.h"

namespace dandori::engine {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

// Runs every contract section (Catch2 SECTIONs and REQUIREs inside).
void RunStoreContract(const StoreFactory& make, const StoreFactory& reopen = nullptr);

}  // namespace dandori::engine
