// Cookies: 0 starts a listing; 1 and 2 continue after "." and ".."; any other
// cookie is the last entry's name hash (meta::keys::NameHash), and the listing
// resumes at the first entry with a greater hash. Entries are stored in hash
// order, so a cookie survives any concurrent change: an entry that exists
// during the whole listing is returned exactly once, whatever is inserted or
// removed meanwhile (even the cookie's own entry). Cookies are plain numbers
// (NFS and FUSE carry 64-bit offsets) and stay valid across restarts.
#include "meta/keys.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

namespace {
constexpr uint64_t kDotCookie = 1;
constexpr uint64_t kDotDotCookie = 2;
}  // namespace

Result<DirPage> ReadDir(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t cookie,
                        size_t max_entries) {
  if (max_entries == 0) return InvalidArgument("readdir needs room for at least one entry");
  DirPage page;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    page = DirPage{};
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, ino));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessRead));
    if (cookie < kDotCookie) {
      page.entries.push_back(DirEntry{".", ino, FileType::kDirectory, kDotCookie});
    }
    if (cookie < kDotDotCookie && page.entries.size() < max_entries) {
      page.entries.push_back(DirEntry{"..", dir.parent, FileType::kDirectory, kDotDotCookie});
    }
    if (page.entries.size() == max_entries) return Status::Ok();
    NASD_ASSIGN_OR_RETURN(meta::EntryPage entries,
                          txn.ListEntries(ino, cookie, max_entries - page.entries.size()));
    page.eof = !entries.more;
    for (meta::NamedEntry& e : entries.entries) {
      page.entries.push_back(DirEntry{std::move(e.name), e.entry.ino, e.entry.type, e.cookie});
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace nasd::vfs::ops
