// An in-memory Backend: the fake every chunk test can run against.
// Objects live in a map guarded by one mutex; "durable" means "in the map".
// Thread-safe. Objects vanish with the backend.
#pragma once

#include <memory>

#include "chunk/backend.h"

namespace nasd::chunk {

std::unique_ptr<Backend> NewMemBackend();

}  // namespace nasd::chunk
