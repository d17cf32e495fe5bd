#include "meta/share_txn.h"

#include <fmt/format.h>

#include <algorithm>

#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/versioned.h"

namespace nasd::meta {

Result<ShareTxn> ShareTxn::Open(kv::Transaction& txn, uint64_t share_id) {
  NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::ShareFsKey(share_id)));
  if (!raw) return NotFound(fmt::format("share {} has no filesystem", share_id));
  NASD_ASSIGN_OR_RETURN(ShareFsRecord fs, DecodeShareFs(*raw));
  return ShareTxn(txn, share_id, fs, fs.epoch);
}

Result<ShareTxn> ShareTxn::OpenAt(kv::Transaction& txn, uint64_t share_id, uint64_t epoch) {
  NASD_ASSIGN_OR_RETURN(ShareTxn live, Open(txn, share_id));
  if (epoch == 0 || epoch > live.fs_.epoch) {
    return InvalidArgument(fmt::format("epoch {} is not in 1..{}", epoch, live.fs_.epoch));
  }
  return ShareTxn(txn, share_id, live.fs_, epoch);
}

Status ShareTxn::CheckWritable() const {
  if (!live())
    return Status(Code::kReadOnly, fmt::format("epoch {} is a read-only snapshot view", epoch_));
  return Status::Ok();
}

Result<std::optional<InodeRecord>> ShareTxn::GetInode(uint64_t ino, bool dir_times) {
  NASD_ASSIGN_OR_RETURN(auto raw, ReadVersioned(txn_, keys::InodeBase(share_id_, ino), epoch_));
  if (!raw) return std::optional<InodeRecord>();
  NASD_ASSIGN_OR_RETURN(InodeRecord rec, DecodeInode(*raw));
  if (rec.type == FileType::kDirectory && dir_times) {
    // The change stamp is read without a conflict check: creating an entry
    // must not conflict with another create in the same directory.
    NASD_ASSIGN_OR_RETURN(auto times,
                          ReadVersionedUntracked(txn_, keys::DirTimesBase(share_id_, ino), epoch_));
    if (times) {
      NASD_ASSIGN_OR_RETURN(DirTimesRecord t, DecodeDirTimes(*times));
      rec.mtime_ns = std::max(rec.mtime_ns, t.mtime_ns);
      rec.ctime_ns = std::max(rec.ctime_ns, t.ctime_ns);
    }
  }
  return std::optional<InodeRecord>(rec);
}

Status ShareTxn::PutInode(uint64_t ino, const InodeRecord& rec) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  WriteVersioned(txn_, keys::InodeBase(share_id_, ino), epoch_, EncodeInode(rec));
  if (rec.type == FileType::kDirectory) {
    // The record's times are now the directory's times (they may be set back).
    WriteVersioned(txn_, keys::DirTimesBase(share_id_, ino), epoch_,
                   EncodeDirTimes({rec.mtime_ns, rec.ctime_ns}));
  }
  return Status::Ok();
}

Status ShareTxn::TouchDir(uint64_t dir, int64_t now) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  WriteVersioned(txn_, keys::DirTimesBase(share_id_, dir), epoch_, EncodeDirTimes({now, now}));
  return Status::Ok();
}

Status ShareTxn::EraseInode(uint64_t ino) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  NASD_ASSIGN_OR_RETURN(std::vector<std::string> names, ListXattrs(ino));
  for (const std::string& name : names) NASD_RETURN_IF_ERROR(EraseXattr(ino, name));
  std::vector<uint64_t> blocks;
  NASD_RETURN_IF_ERROR(ScanBlocks(ino, 0, [&](uint64_t block, const BlockRecord&) {
    blocks.push_back(block);
    return true;
  }));
  for (uint64_t block : blocks) NASD_RETURN_IF_ERROR(EraseBlock(ino, block));
  NASD_RETURN_IF_ERROR(Erase(keys::InlineDataBase(share_id_, ino)));
  NASD_RETURN_IF_ERROR(Erase(keys::SymlinkBase(share_id_, ino)));
  NASD_RETURN_IF_ERROR(Erase(keys::DirTimesBase(share_id_, ino)));
  return Erase(keys::InodeBase(share_id_, ino));
}

Result<std::optional<DirEntryRecord>> ShareTxn::GetEntry(uint64_t dir, std::string_view name) {
  NASD_ASSIGN_OR_RETURN(auto raw,
                        ReadVersioned(txn_, keys::DirEntryBase(share_id_, dir, name), epoch_));
  if (!raw) return std::optional<DirEntryRecord>();
  NASD_ASSIGN_OR_RETURN(DirEntryRecord rec, DecodeDirEntry(*raw));
  return std::optional<DirEntryRecord>(rec);
}

Status ShareTxn::PutEntry(uint64_t dir, std::string_view name, const DirEntryRecord& rec) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  WriteVersioned(txn_, keys::DirEntryBase(share_id_, dir, name), epoch_, EncodeDirEntry(rec));
  return Status::Ok();
}

Status ShareTxn::EraseEntry(uint64_t dir, std::string_view name) {
  return Erase(keys::DirEntryBase(share_id_, dir, name));
}

Result<EntryPage> ShareTxn::ListEntries(uint64_t dir, uint64_t after, size_t limit) {
  EntryPage page;
  const std::string prefix = keys::DirPrefix(share_id_, dir);
  if (after == UINT64_MAX) return page;
  std::string start = prefix;
  keys::AppendU64(start, after < keys::kFirstNameCookie ? keys::kFirstNameCookie : after + 1);
  Status decode_error;
  NASD_RETURN_IF_ERROR(ScanVersioned(
      txn_, prefix, start, epoch_, [&](std::string_view base, std::string_view value) {
        uint64_t cookie = 0;
        if (base.size() <= prefix.size() + 9 || base.back() != '\0' ||
            !keys::ReadU64(base.substr(prefix.size()), cookie)) {
          decode_error = Corruption("directory entry key is malformed");
          return false;
        }
        if (limit != 0 && page.entries.size() >= limit && cookie != page.entries.back().cookie) {
          page.more = true;
          return false;
        }
        Result<DirEntryRecord> rec = DecodeDirEntry(value);
        if (!rec.ok()) {
          decode_error = rec.status();
          return false;
        }
        std::string_view name = base.substr(prefix.size() + 8, base.size() - prefix.size() - 9);
        page.entries.push_back(NamedEntry{std::string(name), *rec, cookie});
        return true;
      }));
  NASD_RETURN_IF_ERROR(decode_error);
  return page;
}

Result<bool> ShareTxn::HasEntries(uint64_t dir) {
  NASD_ASSIGN_OR_RETURN(auto stamp, ReadVersioned(txn_, keys::DirTimesBase(share_id_, dir), epoch_));
  (void)stamp;  // read for its conflict check only
  NASD_ASSIGN_OR_RETURN(EntryPage first, ListEntries(dir, 0, 1));
  return !first.entries.empty();
}

Result<std::string> ShareTxn::GetData(uint64_t ino) {
  NASD_ASSIGN_OR_RETURN(auto blob, ReadBlob(keys::InlineDataBase(share_id_, ino)));
  return blob ? std::move(*blob) : std::string();
}

Status ShareTxn::PutData(uint64_t ino, std::string_view bytes) {
  if (bytes.empty()) return Erase(keys::InlineDataBase(share_id_, ino));
  return PutBlob(keys::InlineDataBase(share_id_, ino), bytes);
}

Result<std::optional<BlockRecord>> ShareTxn::GetBlock(uint64_t ino, uint64_t block) {
  NASD_ASSIGN_OR_RETURN(auto raw, ReadVersioned(txn_, keys::BlockBase(share_id_, ino, block), epoch_));
  if (!raw) return std::optional<BlockRecord>();
  NASD_ASSIGN_OR_RETURN(BlockRecord rec, DecodeBlock(*raw));
  return std::optional<BlockRecord>(std::move(rec));
}

Result<std::optional<BlockRecord>> ShareTxn::LiveBlock(uint64_t ino, uint64_t block) {
  uint64_t found = 0;
  NASD_ASSIGN_OR_RETURN(auto raw,
                        ReadVersioned(txn_, keys::BlockBase(share_id_, ino, block), epoch_, &found));
  if (!raw || found != epoch_) return std::optional<BlockRecord>();
  NASD_ASSIGN_OR_RETURN(BlockRecord rec, DecodeBlock(*raw));
  return std::optional<BlockRecord>(std::move(rec));
}

Status ShareTxn::PutBlock(uint64_t ino, uint64_t block, const BlockRecord& rec) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  if (rec.chunk_id.size() != 32) return InvalidArgument("a block's chunk id must be 32 bytes");
  NASD_ASSIGN_OR_RETURN(auto old, LiveBlock(ino, block));
  if (!old || old->chunk_id != rec.chunk_id) {
    if (old) NASD_RETURN_IF_ERROR(AddChunkRef(txn_, old->chunk_id, -1));
    NASD_RETURN_IF_ERROR(AddChunkRef(txn_, rec.chunk_id, +1));
  }
  WriteVersioned(txn_, keys::BlockBase(share_id_, ino, block), epoch_, EncodeBlock(rec));
  return Status::Ok();
}

Status ShareTxn::EraseBlock(uint64_t ino, uint64_t block) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  NASD_ASSIGN_OR_RETURN(auto old, LiveBlock(ino, block));
  if (old) NASD_RETURN_IF_ERROR(AddChunkRef(txn_, old->chunk_id, -1));
  return Erase(keys::BlockBase(share_id_, ino, block));
}

Status ShareTxn::ScanBlocks(uint64_t ino, uint64_t first,
                            const std::function<bool(uint64_t, const BlockRecord&)>& fn) {
  const std::string prefix = keys::BlockPrefix(share_id_, ino);
  Status error;
  NASD_RETURN_IF_ERROR(ScanVersioned(
      txn_, prefix, keys::BlockBase(share_id_, ino, first), epoch_,
      [&](std::string_view base, std::string_view value) {
        uint64_t block = 0;
        Result<BlockRecord> rec = DecodeBlock(value);
        if (!rec.ok() || base.size() != prefix.size() + 8 ||
            !keys::ReadU64(base.substr(prefix.size()), block)) {
          error = rec.ok() ? Corruption("block key is malformed") : rec.status();
          return false;
        }
        return fn(block, *rec);
      }));
  return error;
}

Result<std::optional<std::string>> ShareTxn::GetSymlink(uint64_t ino) {
  return ReadBlob(keys::SymlinkBase(share_id_, ino));
}

Status ShareTxn::PutSymlink(uint64_t ino, std::string_view target) {
  return PutBlob(keys::SymlinkBase(share_id_, ino), target);
}

Result<std::optional<std::string>> ShareTxn::GetXattr(uint64_t ino, std::string_view name) {
  return ReadBlob(keys::XattrBase(share_id_, ino, name));
}

Status ShareTxn::PutXattr(uint64_t ino, std::string_view name, std::string_view value) {
  return PutBlob(keys::XattrBase(share_id_, ino, name), value);
}

Status ShareTxn::EraseXattr(uint64_t ino, std::string_view name) {
  return Erase(keys::XattrBase(share_id_, ino, name));
}

Result<std::vector<std::string>> ShareTxn::ListXattrs(uint64_t ino) {
  const std::string prefix = keys::XattrPrefix(share_id_, ino);
  std::vector<std::string> out;
  Status decode_error;
  NASD_RETURN_IF_ERROR(
      ScanVersioned(txn_, prefix, "", epoch_, [&](std::string_view base, std::string_view) {
        if (base.size() <= prefix.size() + 1 || base.back() != '\0') {
          decode_error = Corruption("xattr key is malformed");
          return false;
        }
        out.emplace_back(base.substr(prefix.size(), base.size() - prefix.size() - 1));
        return true;
      }));
  NASD_RETURN_IF_ERROR(decode_error);
  return out;
}

Result<std::optional<std::string>> ShareTxn::ReadBlob(const std::string& base) {
  NASD_ASSIGN_OR_RETURN(auto raw, ReadVersioned(txn_, base, epoch_));
  if (!raw) return std::optional<std::string>();
  NASD_ASSIGN_OR_RETURN(std::string bytes, DecodeBlob(*raw));
  return std::optional<std::string>(std::move(bytes));
}

Status ShareTxn::PutBlob(const std::string& base, std::string_view bytes) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  WriteVersioned(txn_, base, epoch_, EncodeBlob(bytes));
  return Status::Ok();
}

Status ShareTxn::PutOrphan(uint64_t ino) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  txn_.Put(keys::OrphanKey(share_id_, ino), "");
  return Status::Ok();
}

Status ShareTxn::EraseOrphan(uint64_t ino) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  txn_.Delete(keys::OrphanKey(share_id_, ino));
  return Status::Ok();
}

Result<std::vector<uint64_t>> ShareTxn::ListOrphans() {
  const std::string prefix = keys::TagPrefix(share_id_, keys::kOrphanTag);
  NASD_ASSIGN_OR_RETURN(auto found, txn_.Scan(kv::Range::Prefix(prefix)));
  std::vector<uint64_t> out;
  for (const auto& kv : found) {
    uint64_t ino = 0;
    if (kv.key.size() == prefix.size() + 8 && keys::ReadU64(std::string_view(kv.key).substr(prefix.size()), ino)) {
      out.push_back(ino);
    }
  }
  return out;
}

Status ShareTxn::Erase(const std::string& base) {
  NASD_RETURN_IF_ERROR(CheckWritable());
  return EraseVersioned(txn_, base, epoch_);
}

}  // namespace nasd::meta
