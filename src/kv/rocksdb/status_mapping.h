// The one translation from rocksdb::Status to nasd::Status.
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "common/status.h"

namespace nasd::kv {

// Busy/TryAgain (optimistic validation failed or could not be decided) ->
// kConflict; IOError -> kIoError (kNoSpace for its no-space subcode);
// Corruption -> kCorruption; NotFound, InvalidArgument, NotSupported, TimedOut
// and ShutdownInProgress to their namesakes; anything else -> kInternal. The
// message is "context: <RocksDB message>".
Status FromRocksDb(const rocksdb::Status& status, std::string_view context);

}  // namespace nasd::kv
