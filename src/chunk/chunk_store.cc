#include "chunk/chunk_store.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <type_traits>

#include "chunk/chunk_format.h"
#include "chunk/hash_pool.h"
#include "chunk/open_chunks.h"
#include "common/logging.h"
#include "common/posix_io.h"
#include "common/random.h"

namespace nasd::chunk {

static_assert(ChunkStore::kMaxChunkSize == format::kMaxDataLength);

namespace {

// First read of a range request: enough for the header of any chunk up to
// ~63 MiB (4 MiB chunks need 292 bytes), so one read usually suffices.
constexpr uint64_t kPrefixRead = 4096;

Status Corrupt(const ChunkId& id, const Status& st) {
  return Corruption(fmt::format("chunk {}: {}", id.ToHex(), st.message()));
}

// Reads exactly [offset, offset+length) of an object; a shorter read means the
// object is truncated, which for a chunk is corruption (not a short read).
Result<std::string> ReadExact(Backend& backend, const ChunkId& id, const std::string& name,
                              uint64_t offset, uint64_t length) {
  NASD_ASSIGN_OR_RETURN(std::string bytes, backend.ReadObject(name, offset, length));
  if (bytes.size() != length) {
    return Corruption(
        fmt::format("chunk {}: truncated object: wanted {} bytes at offset {}, "
                    "got {}",
                    id.ToHex(), length, offset, bytes.size()));
  }
  return bytes;
}

}  // namespace

struct ChunkStore::Counters {
  std::atomic<uint64_t> puts{0};
  std::atomic<uint64_t> gets{0};
  std::atomic<uint64_t> corruptions{0};
  std::atomic<uint64_t> errors{0};

  // Counts a failed result: corruption, or an error other than the expected
  // outcomes a caller asked about (absent chunk, bad range, bad argument).
  template <typename R>
  R Track(R r) {
    const Status& st = [&]() -> const Status& {
      if constexpr (std::is_same_v<R, Status>) {
        return r;
      } else {
        return r.status();
      }
    }();
    switch (st.code()) {
      case Code::kOk:
      case Code::kNotFound:
      case Code::kOutOfRange:
      case Code::kTooLarge:
      case Code::kInvalidArgument:
      case Code::kNotSupported:
        break;
      case Code::kCorruption:
        corruptions.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        errors.fetch_add(1, std::memory_order_relaxed);
    }
    return r;
  }
};

size_t DefaultHashThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

ChunkStore::ChunkStore(std::unique_ptr<Backend> backend, ChunkStoreOptions options)
    : options_(options),
      backend_(std::move(backend)),
      counters_(std::make_unique<Counters>()),
      open_chunks_(std::make_unique<OpenChunks>(options.open_files)),
      hash_pool_(options.hash_threads > 0 ? std::make_unique<HashPool>(options.hash_threads)
                                          : nullptr) {}

ChunkStore::~ChunkStore() = default;

Result<ChunkId> ChunkStore::Put(std::string_view data) {
  if (data.size() > kMaxChunkSize) {
    return TooLarge(
        fmt::format("chunk of {} bytes exceeds the maximum {}", data.size(), kMaxChunkSize));
  }
  const bool overlap = hash_pool_ != nullptr && data.size() >= options_.overlap_min_size;
  Result<ChunkId> id = overlap ? PutOverlapped(data) : PutHashFirst(data);
  if (id.ok()) counters_->puts.fetch_add(1, std::memory_order_relaxed);
  return counters_->Track(std::move(id));
}

Result<ChunkId> ChunkStore::PutHashFirst(std::string_view data) {
  const ChunkId id = ChunkId::Of(data);
  const std::string name = id.ToHex();
  Result<bool> present = HasFrame(name, data.size());
  if (!present.ok()) return present.status().WithContext("put chunk " + name);
  if (*present) return id;
  Result<std::unique_ptr<PendingObject>> staged = StageFrame(data);
  if (!staged.ok()) return staged.status().WithContext("put chunk " + name);
  NASD_RETURN_IF_ERROR((*staged)->Commit(name).WithContext("put chunk " + name));
  return id;
}

Result<ChunkId> ChunkStore::PutOverlapped(std::string_view data) {
  HashPool::Job hashing(*hash_pool_, data);
  Result<std::unique_ptr<PendingObject>> staged = StageFrame(data);
  if (!staged.ok()) {
    return staged.status().WithContext(fmt::format("put chunk of {} bytes", data.size()));
  }
  const ChunkId id = hashing.Wait();
  const std::string name = id.ToHex();
  PendingObject& pending = **staged;
  Result<bool> present = HasFrame(name, data.size());
  if (!present.ok()) return present.status().WithContext("put chunk " + name);
  if (*present) {
    pending.Abort();
    return id;
  }
  NASD_RETURN_IF_ERROR(pending.Commit(name).WithContext("put chunk " + name));
  return id;
}

Result<bool> ChunkStore::HasFrame(const std::string& name, uint64_t data_size) {
  // Names are hashes, so an object of the right size is this chunk; one of
  // another size is a torn leftover that the put replaces.
  Result<uint64_t> size = backend_->ObjectSize(name);
  if (size.ok()) return *size == format::FrameSizeFor(data_size);
  if (size.status().code() == Code::kNotFound) return false;
  return size.status();
}

Result<std::unique_ptr<PendingObject>> ChunkStore::StageFrame(std::string_view data) {
  const std::string header = format::EncodeHeader(data);
  NASD_ASSIGN_OR_RETURN(std::unique_ptr<PendingObject> pending, backend_->BeginPut());
  const std::string_view parts[] = {header, data};
  NASD_RETURN_IF_ERROR(pending->Append(parts));
  NASD_RETURN_IF_ERROR(pending->Sync());
  return pending;
}

Result<std::string> ChunkStore::Get(const ChunkId& id) {
  NASD_ASSIGN_OR_RETURN(SharedBytes data, GetShared(id));
  return std::string(data.bytes);
}

Result<SharedBytes> ChunkStore::GetShared(const ChunkId& id) {
  return Verified<SharedBytes>(id, [&] { return ReadWhole(id); });
}

Result<std::string> ChunkStore::GetRange(const ChunkId& id, uint64_t offset, uint64_t length) {
  return Verified<std::string>(id, [&] { return ReadRange(id, offset, length); });
}

template <typename T>
Result<T> ChunkStore::Verified(const ChunkId& id, const std::function<Result<T>()>& read) {
  Result<T> r = read();
  // A damaged copy in a cache in front of the store: drop it and read the
  // store's own copy once; only what verifies is returned.
  if (r.status().code() == Code::kCorruption && backend_->Invalidate(id.ToHex())) {
    log::Warn("chunk.cached_copy_corrupt").Str("chunk", id.ToHex()).Str("error", r.status().message());
    r = read();
  }
  if (r.ok()) counters_->gets.fetch_add(1, std::memory_order_relaxed);
  return counters_->Track(std::move(r));
}

Result<SharedBytes> ChunkStore::ReadWhole(const ChunkId& id) {
  const std::string name = id.ToHex();
  // Bounded read: one byte more than the largest legal frame reveals an
  // over-long object without ever allocating more than that.
  constexpr uint64_t kCap = format::kMaxHeaderSize + format::kMaxDataLength + 1;
  Result<SharedBytes> read = backend_->ReadObjectShared(name, kCap);
  if (!read.ok()) return read.status().WithContext("get chunk " + name);
  SharedBytes frame = std::move(read).value();
  Result<format::Header> header = format::DecodeHeader(frame.bytes);
  if (!header.ok()) return Corrupt(id, header.status());
  Status st = format::VerifyFrame(*header, frame.bytes);
  if (!st.ok()) return Corrupt(id, st);
  frame.bytes.remove_prefix(header->header_size());  // a view: the data is not moved
  return frame;
}

Result<std::string> ChunkStore::ReadRange(const ChunkId& id, uint64_t offset, uint64_t length) {
  const std::string name = id.ToHex();
  Result<std::string> prefix_read = backend_->ReadObject(name, 0, kPrefixRead);
  if (!prefix_read.ok()) return prefix_read.status().WithContext("get chunk " + name);
  std::string prefix = std::move(prefix_read).value();
  Result<uint64_t> header_size = format::HeaderSize(prefix);
  if (!header_size.ok()) return Corrupt(id, header_size.status());
  if (*header_size > prefix.size()) {
    NASD_ASSIGN_OR_RETURN(std::string rest, ReadExact(*backend_, id, name, prefix.size(), *header_size - prefix.size()));
    prefix.append(rest);
  }
  Result<format::Header> header = format::DecodeHeader(prefix);
  if (!header.ok()) return Corrupt(id, header.status());
  const format::Header& h = *header;
  if (offset > h.data_length) {
    return OutOfRange(fmt::format("chunk {}: offset {} beyond length {}", name, offset, h.data_length));
  }
  const format::SegmentSpan span = format::SpanForRange(h, offset, length);
  std::string segments;
  const uint64_t at = h.header_size() + span.begin;
  const uint64_t need = span.limit - span.begin;
  if (at + need <= prefix.size()) {
    segments = prefix.substr(at, need);  // small chunk: the prefix read had it all
  } else if (need > 0) {
    NASD_ASSIGN_OR_RETURN(segments, ReadExact(*backend_, id, name, at, need));
  }
  Status st = format::VerifySegments(h, span.first, span.end, segments);
  if (!st.ok()) return Corrupt(id, st);
  const uint64_t want = std::min(length, h.data_length - offset);
  if (offset == span.begin && want == segments.size()) return segments;
  return segments.substr(offset - span.begin, want);
}

Result<bool> ChunkStore::Has(const ChunkId& id) {
  Result<uint64_t> size = backend_->ObjectSize(id.ToHex());
  if (size.ok()) return true;
  if (size.status().code() == Code::kNotFound) return false;
  return counters_->Track<Result<bool>>(size.status().WithContext("has chunk " + id.ToHex()));
}

Result<uint64_t> ChunkStore::DataLength(const ChunkId& id) {
  const std::string name = id.ToHex();
  Result<uint64_t> size = backend_->ObjectSize(name);
  if (!size.ok()) return counters_->Track<Result<uint64_t>>(size.status().WithContext("size of chunk " + name));
  Result<std::string> prefix = backend_->ReadObject(name, 0, format::kFixedHeaderSize);
  if (!prefix.ok()) return counters_->Track<Result<uint64_t>>(prefix.status().WithContext("size of chunk " + name));
  Result<uint64_t> header = format::HeaderSize(*prefix);
  if (!header.ok() || *header > *size) {
    return counters_->Track<Result<uint64_t>>(
        Corrupt(id, header.ok() ? Corruption("object is shorter than its header") : header.status()));
  }
  return *size - *header;
}

Status ChunkStore::Delete(const ChunkId& id) {
  open_chunks_->Erase(id);
  Status st = backend_->DeleteObject(id.ToHex());
  if (st.code() == Code::kNotFound) return Status::Ok();
  return counters_->Track(st.WithContext("delete chunk " + id.ToHex()));
}

Status ChunkStore::List(const std::function<bool(const ChunkId&)>& fn) {
  Status st = backend_->ListObjects([&](std::string_view name) {
    Result<ChunkId> id = ChunkId::FromHex(name);
    if (!id.ok()) return true;  // probes and foreign objects are not chunks
    return fn(*id);
  });
  return counters_->Track(st.WithContext("list chunks"));
}

ChunkUsage ChunkStore::Usage() const {
  BackendUsage u = backend_->Usage();
  return ChunkUsage{u.objects, u.bytes, u.exact};
}

namespace {

// Opens a chunk's local file and decodes its header. Errors are not counted.
Result<OpenChunk> OpenChunkFile(Backend& backend, const ChunkId& id, bool nowait) {
  const std::string name = id.ToHex();
  NASD_ASSIGN_OR_RETURN(LocalFile file, backend.OpenLocal(name));
  posix::UniqueFd fd(file.fd);
  Result<std::string> prefix = posix::PreadFull(fd.get(), 0, kPrefixRead, name, nowait);
  if (!prefix.ok()) return prefix.status().WithContext("open chunk " + name);
  Result<uint64_t> header_size = format::HeaderSize(*prefix);
  if (!header_size.ok()) return Corrupt(id, header_size.status());
  if (*header_size > prefix->size()) {
    prefix = posix::PreadFull(fd.get(), 0, *header_size, name, nowait);
    if (!prefix.ok()) return prefix.status().WithContext("open chunk " + name);
  }
  Result<format::Header> header = format::DecodeHeader(*prefix);
  if (!header.ok()) return Corrupt(id, header.status());
  if (file.size != header->frame_size()) {
    return Corruption(fmt::format("chunk {}: file is {} bytes but its header describes {}", name,
                                  file.size, header->frame_size()));
  }
  return OpenChunk{std::move(fd), std::move(*header)};
}

}  // namespace

Result<std::shared_ptr<const OpenChunk>> ChunkStore::Open(const ChunkId& id, bool nowait) {
  if (std::shared_ptr<const OpenChunk> kept = open_chunks_->Find(id)) return kept;
  NASD_ASSIGN_OR_RETURN(OpenChunk opened, OpenChunkFile(*backend_, id, nowait));
  auto shared = std::make_shared<const OpenChunk>(std::move(opened));
  open_chunks_->Insert(id, shared);
  return shared;
}

namespace {

// A descriptor of the caller's own for an open chunk's file.
Result<ChunkFile> FileOf(const OpenChunk& chunk, const ChunkId& id) {
  const int fd = ::fcntl(chunk.fd.get(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "dup the descriptor of chunk " + id.ToHex());
  return ChunkFile{fd, chunk.header.header_size(), chunk.header.data_length};
}

}  // namespace

Result<ChunkFile> ChunkStore::OpenFile(const ChunkId& id) {
  Result<std::shared_ptr<const OpenChunk>> opened = Open(id, /*nowait=*/false);
  if (!opened.ok()) return counters_->Track<Result<ChunkFile>>(opened.status());
  return counters_->Track(FileOf(**opened, id));
}

Result<ChunkFile> ChunkStore::OpenFileVerified(const ChunkId& id, uint64_t offset, uint64_t length,
                                               bool nowait) {
  Result<std::shared_ptr<const OpenChunk>> opened = Open(id, nowait);
  if (opened.status().code() == Code::kWouldBlock) return opened.status();  // not an error of the store
  if (!opened.ok()) return counters_->Track<Result<ChunkFile>>(opened.status());
  const int fd = (*opened)->fd.get();
  const format::Header& h = (*opened)->header;
  if (offset > h.data_length) {
    return Status(Code::kOutOfRange, fmt::format("offset {} is past chunk {}'s {} bytes", offset,
                                                 id.ToHex(), h.data_length));
  }
  const format::SegmentSpan span = format::SpanForRange(h, offset, length);
  // Short spans (a Range GET's) are read into a buffer of this thread's and
  // checked there; mapping them cost more, since unmapping a shared mapping
  // interrupts every other core to flush its TLB. Long spans (whole chunks of
  // a big GET) are mapped and checked in place: for them the interrupt is
  // paid once per megabytes, and a copy cost a third of the throughput. The
  // caller then sends the bytes from the same page cache with sendfile.
  constexpr uint64_t kShortSpan = 1 << 20;
  const uint64_t span_bytes = span.limit - span.begin;
  if (span.first < span.end && span_bytes <= kShortSpan) {
    thread_local std::string buf;
    if (buf.size() < span_bytes) buf.resize(span_bytes);
    Result<size_t> got = posix::PreadInto(fd, h.header_size() + span.begin, buf.data(), span_bytes,
                                          "chunk " + id.ToHex(), nowait);
    if (got.status().code() == Code::kWouldBlock) return got.status();
    if (!got.ok()) return counters_->Track<Result<ChunkFile>>(got.status());
    Status st = format::VerifySegments(h, span.first, span.end, std::string_view(buf.data(), *got));
    if (!st.ok()) {
      open_chunks_->Erase(id);
      return counters_->Track<Result<ChunkFile>>(Corrupt(id, st));
    }
  } else if (span.first < span.end) {
    // A non-blocking attempt covers short spans only: a long one would often
    // find its later pages uncached after checking the first ones.
    if (nowait) return Status(Code::kWouldBlock, "a long span is checked by a worker");
    const uint64_t begin = h.header_size() + span.begin;
    const uint64_t end = h.header_size() + span.limit;
    // The size was checked when the file was opened, but a kept file may have
    // been cut short since: reading a mapping past its end is SIGBUS.
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      return counters_->Track<Result<ChunkFile>>(ErrnoStatus(errno, "stat chunk " + id.ToHex()));
    }
    if (static_cast<uint64_t>(info.st_size) < end) {
      open_chunks_->Erase(id);
      return counters_->Track<Result<ChunkFile>>(
          Corrupt(id, Corruption(fmt::format("file is {} bytes, shorter than its header describes", info.st_size))));
    }
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t map_begin = begin / page * page;
    // The whole span is read at once: faulting a cold mapping in reads a few
    // pages per fault, one fault after another.
    ::posix_fadvise(fd, static_cast<off_t>(map_begin), static_cast<off_t>(end - map_begin),
                    POSIX_FADV_WILLNEED);
    void* map = ::mmap(nullptr, end - map_begin, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(map_begin));
    if (map == MAP_FAILED) {
      return counters_->Track<Result<ChunkFile>>(ErrnoStatus(errno, "mmap chunk " + id.ToHex()));
    }
    std::string_view bytes(static_cast<const char*>(map) + (begin - map_begin), end - begin);
    Status st = format::VerifySegments(h, span.first, span.end, bytes);
    ::munmap(map, end - map_begin);
    if (!st.ok()) {
      open_chunks_->Erase(id);
      return counters_->Track<Result<ChunkFile>>(Corrupt(id, st));
    }
  }
  return counters_->Track(FileOf(**opened, id));
}

void ChunkStore::WillNeed(const ChunkId& id) {
  Result<std::shared_ptr<const OpenChunk>> opened = Open(id, /*nowait=*/false);
  if (!opened.ok()) return;
  const format::Header& h = (*opened)->header;
  ::posix_fadvise((*opened)->fd.get(), static_cast<off_t>(h.header_size()),
                  static_cast<off_t>(h.data_length), POSIX_FADV_WILLNEED);
}

Status ChunkStore::CheckWritable() {
  const std::string name = "probe." + RandomHex(8);
  Status st = backend_->PutObject(name, "nasd writability probe");
  if (!st.ok()) return counters_->Track(st.WithContext("write probe " + name));
  return counters_->Track(backend_->DeleteObject(name).WithContext("delete probe " + name));
}

ChunkStoreStats ChunkStore::Stats() const {
  return ChunkStoreStats{counters_->puts.load(std::memory_order_relaxed),
                         counters_->gets.load(std::memory_order_relaxed),
                         counters_->corruptions.load(std::memory_order_relaxed),
                         counters_->errors.load(std::memory_order_relaxed)};
}

}  // namespace nasd::chunk
