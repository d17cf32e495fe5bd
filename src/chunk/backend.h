// Backend: where a ChunkStore keeps its framed chunks. Stores opaque,
// immutable objects by name (names are [0-9a-z._-], at most 128 bytes).
//
// Contract for every implementation:
// - PutObject is atomic and durable: when it returns ok the whole object is
//   readable after a crash; a reader never observes a partial object under its
//   final name. Putting an existing name replaces it with identical semantics.
// - A staged put (BeginPut) writes an object before its name is known and
//   gives the same guarantees when committed; see PendingObject.
// - Reads of absent objects return kNotFound.
// - All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/shared_bytes.h"
#include "common/status.h"

namespace nasd::chunk {

struct BackendUsage {
  uint64_t objects = 0;
  uint64_t bytes = 0;
  // false while the backend is still counting what it held before it was
  // opened (S3): the figures are then a lower bound.
  bool exact = true;
};

struct LocalFile {
  int fd = -1;  // owned by the caller
  uint64_t size = 0;
};

// An object being written whose name is given only when it is published.
// It lets a writer start the (slow, durable) write of an object while it is
// still computing the object's name, as ChunkStore::Put does with the hash.
//
// Until Commit returns ok nothing of it is visible: it is not listed, not
// counted in usage, and a crash leaves no object (a local temporary at most,
// which the next open removes). Use from one thread at a time; must not
// outlive the Backend that made it. Destroying a PendingObject that was not
// committed aborts it.
class PendingObject {
 public:
  virtual ~PendingObject() = default;
  // Appends parts, in order (a scatter write: the parts are not copied into
  // one buffer first where the backend can avoid it). A failure aborts the
  // object. Every call on a finished (committed or aborted) object fails
  // with kFailedPrecondition.
  virtual Status Append(std::span<const std::string_view> parts) = 0;
  // Makes the bytes appended so far durable without naming them, so that
  // Commit has little left to wait for. Optional: Commit makes durable
  // whatever Sync did not. A failure aborts the object.
  virtual Status Sync() = 0;
  // Publishes the bytes as object `name` with PutObject's semantics (atomic,
  // durable, replaces an existing object). kInvalidArgument for a bad name.
  // Ends the PendingObject whatever the outcome; on failure no temporary
  // remains, and as with PutObject the object may be visible under name only
  // if the failure came after the atomic rename (a directory fsync failed).
  virtual Status Commit(std::string_view name) = 0;
  // Discards the bytes; nothing becomes visible. Idempotent; a no-op after
  // Commit.
  virtual void Abort() = 0;
};

// A PendingObject that gathers the bytes in memory and hands them to
// Publish at Commit: the default staged put, and the base of backends whose
// objects are in-memory values (mem) or single requests (S3).
class BufferedPendingObject : public PendingObject {
 public:
  Status Append(std::span<const std::string_view> parts) override;
  Status Sync() override;
  Status Commit(std::string_view name) final;
  void Abort() override;

 protected:
  // Stores bytes as object name; called at most once, by Commit.
  virtual Status Publish(std::string_view name, std::string bytes) = 0;

 private:
  std::string buffer_;
  bool done_ = false;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Status PutObject(std::string_view name, std::string_view data) = 0;
  // Starts a staged put. The default buffers the bytes in memory and calls
  // PutObject at Commit (for backends that cannot write ahead, e.g. S3);
  // the local backend writes a temporary file as the bytes arrive.
  virtual Result<std::unique_ptr<PendingObject>> BeginPut();
  // Bytes [offset, offset+length) clipped to the object size.
  virtual Result<std::string> ReadObject(std::string_view name, uint64_t offset,
                                         uint64_t length) = 0;
  // Bytes [0, length) clipped to the object size, by reference: for whole
  // objects a cache keeps (the block cache's chunks). The default wraps
  // ReadObject's string; the local backend reads big objects with O_DIRECT
  // into pooled aligned buffers.
  virtual Result<SharedBytes> ReadObjectShared(std::string_view name, uint64_t length);
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
  // Drops a local copy of name kept in front of the real store (a read
  // cache), so that the next read asks the store itself; true if there was
  // one. ChunkStore calls it when a read fails its checksums. Default: no
  // copy, false.
  virtual bool Invalidate(std::string_view name) {
    (void)name;
    return false;
  }
};

}  // namespace nasd::chunk
