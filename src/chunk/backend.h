// Backend: where a ChunkStore keeps its framed chunks. Stores opaque,
// immutable objects by name (names are [0-9a-z._-], at most 128 bytes).
//
// Contract for every implementation:
// - PutObject is atomic and durable: when it returns ok the whole object is
//   readable after a crash; a reader never observes a partial object under its
//   final name. Putting an existing name replaces it with identical semantics.
// - Reads of absent objects return kNotFound.
// - All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::chunk {

struct BackendUsage {
  uint64_t objects = 0;
  uint64_t bytes = 0;
};

struct LocalFile {
  int fd = -1;  // owned by the caller
  uint64_t size = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Status PutObject(std::string_view name, std::string_view data) = 0;
  // Bytes [offset, offset+length) clipped to the object size.
  virtual Result<std::string> ReadObject(std::string_view name, uint64_t offset,
                                         uint64_t length) = 0;
  virtual Result<uint64_t> ObjectSize(std::string_view name) = 0;
  // Deleting an absent object is ok.
  virtual Status DeleteObject(std::string_view name) = 0;
  // Streams names of complete objects (never temporaries); fn returns false to stop.
  virtual Status ListObjects(const std::function<bool(std::string_view name)>& fn) = 0;
  virtual BackendUsage Usage() const = 0;
  // An open read-only descriptor; kNotSupported where objects are not local files.
  virtual Result<LocalFile> OpenLocal(std::string_view name) {
    (void)name;
    return NotSupported("backend has no local files");
  }
  virtual std::string Describe() const = 0;  // e.g. "local:/srv/nasd/chunks"
};

}  // namespace nasd::chunk
