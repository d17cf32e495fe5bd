// Cookies: "" starts a listing; "." and ".." continue after those entries;
// any other cookie is the name of the last entry returned, and the listing
// resumes at the first name bytewise greater than it. So a cookie survives
// any concurrent change: an entry that exists during the whole listing is
// returned exactly once, whatever is inserted or removed meanwhile (even the
// cookie's own entry).
#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<DirPage> ReadDir(OpContext& ctx, const Caller& caller, uint64_t ino, std::string_view cookie,
                        size_t max_entries) {
  if (max_entries == 0) return InvalidArgument("readdir needs room for at least one entry");
  if (!cookie.empty() && !IsDots(cookie)) {
    Status st = CheckName(cookie);
    if (!st.ok()) return InvalidArgument(fmt::format("bad readdir cookie: {}", st.message()));
  }
  DirPage page;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    page = DirPage{};
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, ino));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessRead));
    if (cookie.empty()) page.entries.push_back(DirEntry{".", ino, FileType::kDirectory, "."});
    if ((cookie.empty() || cookie == ".") && page.entries.size() < max_entries) {
      page.entries.push_back(DirEntry{"..", dir.parent, FileType::kDirectory, ".."});
    }
    if (page.entries.size() == max_entries) return Status::Ok();
    const size_t room = max_entries - page.entries.size();
    std::string_view after = IsDots(cookie) ? std::string_view() : cookie;
    NASD_ASSIGN_OR_RETURN(std::vector<meta::NamedEntry> entries,
                          txn.ListEntries(ino, after, room + 1));
    page.eof = entries.size() <= room;
    if (!page.eof) entries.pop_back();
    for (meta::NamedEntry& e : entries) {
      std::string next = e.name;
      page.entries.push_back(
          DirEntry{std::move(e.name), e.entry.ino, e.entry.type, std::move(next)});
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace nasd::vfs::ops
