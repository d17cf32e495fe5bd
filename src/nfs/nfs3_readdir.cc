// READDIR and READDIRPLUS. Cookies are the vfs's (stable across changes and
// restarts), so the cookie verifier is always zero and never checked.
#include <vector>

#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

const std::string kZeroVerf(8, '\0');
// Entries fetched from the vfs per ReadDir call.
constexpr size_t kBatch = 128;
// Reply bytes beyond the entries: status, post_op_attr, verifier, eof.
constexpr size_t kReplyOverhead = 4 + 4 + 84 + 8 + 8;

// Bytes one entry takes in the reply (entry3 or entryplus3).
size_t EntrySize(const vfs::DirEntry& e, bool plus) {
  size_t base = 4 + 8 + 4 + e.name.size() + XdrPad(e.name.size()) + 8;
  return plus ? base + 4 + 84 + 4 + 4 + kFileHandleSize : base;
}

struct Listing {
  std::vector<vfs::DirEntry> entries;
  bool eof = false;
  Status status;
};

// Entries after cookie while they fit in budget bytes (dircount for
// READDIRPLUS, count for READDIR); never splits names sharing a cookie (a
// hash collision), since resuming from that cookie would skip the rest.
Listing List(const Object& dir, uint64_t cookie, size_t budget, bool plus) {
  Listing out;
  size_t used = 0;
  for (;;) {
    auto page = dir.fs->ReadDir(dir.caller, dir.ino(), cookie, kBatch);
    if (!page.ok()) {
      out.status = page.status();
      return out;
    }
    size_t i = 0;
    for (; i < page->entries.size(); ++i) {
      const vfs::DirEntry& e = page->entries[i];
      size_t size = EntrySize(e, plus);
      if (used + size > budget) break;
      used += size;
      out.entries.push_back(e);
    }
    if (i < page->entries.size()) {
      uint64_t cut = page->entries[i].cookie;
      while (!out.entries.empty() && out.entries.back().cookie == cut) out.entries.pop_back();
      return out;
    }
    if (page->eof || page->entries.empty()) {
      out.eof = true;
      return out;
    }
    cookie = page->entries.back().cookie;
  }
}

ProcOutcome ReadDirCommon(Call& call, XdrReader& in, XdrWriter& out, bool plus) {
  std::string_view fh = ReadHandle(in);
  uint64_t cookie = in.U64();
  in.FixedOpaque(8);  // cookieverf: ours is always zero, so any value is as good
  uint32_t count = in.U32();
  uint32_t maxcount = plus ? in.U32() : count;
  if (!in.ok()) return ProcOutcome::Garbage();
  auto r = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!r) return ProcOutcome::Ok();
  const Object& dir = *r;
  if (dir.attr.type != vfs::FileType::kDirectory) return FailWithAttr(out, kNfs3ErrNotDir, dir);
  // READDIRPLUS: dircount bounds the names and cookies, maxcount the reply.
  size_t reply_budget = maxcount > kReplyOverhead ? maxcount - kReplyOverhead : 0;
  // Entry sizes of READDIRPLUS include attributes and handles, so the
  // reply's maxcount is the bound that matters (dircount is a hint).
  size_t budget = reply_budget;
  Listing listing = List(dir, cookie, budget, plus);
  if (!listing.status.ok()) return FailWithAttr(out, Nfs3StatOf(listing.status), dir);
  if (listing.entries.empty() && !listing.eof) return FailWithAttr(out, kNfs3ErrTooSmall, dir);
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, dir.attr, dir.fsid());
  out.FixedOpaque(kZeroVerf);
  for (const vfs::DirEntry& e : listing.entries) {
    out.Bool(true);
    out.U64(e.ino);
    out.Opaque(e.name);
    out.U64(e.cookie);
    if (plus) {
      auto attr = dir.fs->GetAttr(e.ino);
      WritePostOpAttr(out, attr, dir.fsid());
      out.Bool(attr.ok());
      if (attr.ok()) out.Opaque(dir.HandleOf(*attr));
    }
  }
  out.Bool(false);
  out.Bool(listing.eof);
  return ProcOutcome::Ok();
}

}  // namespace

ProcOutcome Readdir(Call& call, XdrReader& in, XdrWriter& out) { return ReadDirCommon(call, in, out, false); }
ProcOutcome Readdirplus(Call& call, XdrReader& in, XdrWriter& out) { return ReadDirCommon(call, in, out, true); }

}  // namespace nasd::nfs::nfs3
