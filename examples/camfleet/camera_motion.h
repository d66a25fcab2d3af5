// Camera movement: how long a camera takes to move after its server drains (or drops
// it), and how long a restart takes. (Where it moves: Fleet::MoveCamera, the accepting
// server of its zone with the most room.)
//
// Delays are heavy-tailed (lognormal body, Pareto tail for a few stubborn cameras) and
// deterministic: each draw is a pure function of (seed, stream, index), so the same seed
// gives the same delays whatever the thread timing.
#pragma once

#include <cstdint>

#include "examples/camfleet/sim_config.h"

namespace camfleet {

// A uniform double in (0, 1) from (seed, stream, index).
double UniformDraw(uint64_t seed, uint64_t stream, uint64_t index);

// Simulated milliseconds camera `camera` needs for its `move`-th move.
int64_t DrawMoveDelayMs(const Config& config, int camera, int move);

// Simulated milliseconds the `n`-th restart of server `server` takes.
int64_t DrawRestartMs(const Config& config, int server, int n);

}  // namespace camfleet
