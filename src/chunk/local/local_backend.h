// The local-disk Backend: one file per object under a root directory.
//
// Layout (docs/format/chunk.md): an object named "abcdef..." lives at
// root/ab/cd/abcdef...; names whose first four characters are not all
// [0-9a-z] (or that are shorter) live in root/_/. Writes go to a unique
// temporary file in root/tmp/, are fsynced, renamed into place, and the
// target directory is fsynced (and a newly created fan-out directory's parent
// too), so an acknowledged object survives a crash and a partial object never
// appears under its final name. A staged put (BeginPut) is that temporary:
// Sync fsyncs it, Commit renames it, Abort unlinks it.
//
// Open creates root, root/tmp and root/_ if needed, fsyncs the existing
// first-level directories (so directories a crashed process made are durable),
// deletes temporaries left by dead processes (a crash mid-put), and counts
// usage by scanning every object; usage is then maintained incrementally. Several backends may
// share one root within a process or across live processes (temporaries of live writers are kept).
#pragma once

#include <memory>
#include <string>

#include "chunk/backend.h"

namespace nasd::chunk {

// Opens (creating if needed) the backend rooted at dir. kInvalidArgument for
// an empty dir; other errors are mapped from errno (kPermissionDenied,
// kNoSpace, kReadOnly, kIoError, e.g. when dir is a plain file).
Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& dir);

}  // namespace nasd::chunk
