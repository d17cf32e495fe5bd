// Iterator and Transaction stand-ins that only report an error. Engines hand
// them out when they cannot create the real object (typically after Close()),
// so callers see one error path: every read and Commit() return the status.
#pragma once

#include <memory>

#include "kv/kv_engine.h"

namespace nasd::kv {

// An iterator that is never Valid() and whose status() is status.
// REQUIRES: !status.ok()
std::unique_ptr<Iterator> NewErrorIterator(Status status);

// A transaction whose Get/Scan/Commit return status; Put/Delete do nothing.
// REQUIRES: !status.ok()
std::unique_ptr<Transaction> NewErrorTransaction(Status status);

}  // namespace nasd::kv
