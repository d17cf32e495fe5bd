#include "nfs/mount_program.h"

#include "common/logging.h"
#include "nfs/file_handle.h"

namespace nasd::nfs {
namespace {

enum MountProc : uint32_t { kNull = 0, kMnt = 1, kDump = 2, kUmnt = 3, kUmntAll = 4, kExport = 5 };

// mountstat3
constexpr uint32_t kMntOk = 0;
constexpr uint32_t kMntNoEnt = 2;
constexpr uint32_t kMntAcces = 13;
constexpr uint32_t kMntNotDir = 20;

constexpr size_t kMaxPath = 1024;  // MNTPATHLEN
constexpr size_t kMaxName = 255;   // MNTNAMLEN

uint32_t MountStat(const Status& st) {
  switch (st.code()) {
    case Code::kNotFound: return kMntNoEnt;
    case Code::kPermissionDenied: return kMntAcces;
    case Code::kNotDirectory: return kMntNotDir;
    default: {
      // mountstat3 shares the values of nfsstat3 for the errors it has.
      uint32_t v = static_cast<uint32_t>(ToNfs3Status(st.code()));
      return v;
    }
  }
}

// "/share/a/b" -> share, then the rest of the path.
std::pair<std::string_view, std::string_view> SplitMountPath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return {path, {}};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

std::string_view MountProgram::ProcedureName(uint32_t proc) const {
  static constexpr std::string_view kNames[] = {"NULL", "MNT", "DUMP", "UMNT", "UMNTALL", "EXPORT"};
  return proc < std::size(kNames) ? kNames[proc] : "unknown";
}

ProcOutcome MountProgram::Call(const RpcCall& call, XdrReader& args, XdrWriter& out) {
  switch (call.header.proc) {
    case kNull: return ProcOutcome::Ok();
    case kMnt: return Mnt(call, args, out);
    case kDump: {
      std::lock_guard lock(mu_);
      for (const auto& [host, path] : mounts_) {
        out.Bool(true);
        out.Opaque(host.substr(0, kMaxName));
        out.Opaque(path);
      }
      out.Bool(false);
      return ProcOutcome::Ok();
    }
    case kUmnt: {
      std::string_view path = args.Opaque(kMaxPath);
      if (!args.ok()) return ProcOutcome::Garbage();
      std::lock_guard lock(mu_);
      mounts_.erase({call.peer.address, std::string(path)});
      return ProcOutcome::Ok();
    }
    case kUmntAll: {
      std::lock_guard lock(mu_);
      std::erase_if(mounts_, [&](const auto& m) { return m.first == call.peer.address; });
      return ProcOutcome::Ok();
    }
    case kExport: {
      // The groups are the allowed networks, as text (exportfs shows the same).
      for (const Export& e : exports_.exports()) {
        out.Bool(true);
        out.Opaque("/" + e.share);
        for (const std::string& net : e.network_text) {
          out.Bool(true);
          out.Opaque(net.substr(0, kMaxName));
        }
        out.Bool(false);
      }
      out.Bool(false);
      return ProcOutcome::Ok();
    }
    default: return ProcOutcome::Garbage();  // HasProcedure rules it out
  }
}

ProcOutcome MountProgram::Mnt(const RpcCall& call, XdrReader& args, XdrWriter& out) {
  std::string_view path = args.Opaque(kMaxPath);
  if (!args.ok()) return ProcOutcome::Garbage();
  auto fail = [&](uint32_t stat, std::string_view why) {
    log::Info("nfs.mount_refused").Str("peer", call.peer.address).Str("path", path).Str("why", why);
    out.U32(stat);
    return ProcOutcome::Ok();
  };
  auto [share, rest] = SplitMountPath(path);
  auto opened = exports_.OpenByName(share);
  if (!opened.ok()) return fail(MountStat(opened.status()), opened.status().message());
  const ExportRules& rules = opened->exp->rules;
  if (!rules.Allows(call.peer.address)) return fail(kMntAcces, "client network not allowed");
  vfs::Filesystem& fs = *opened->fs;
  vfs::Caller caller = rules.MapCaller(call.header.cred);
  uint64_t ino = fs.root();
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view name = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (name.empty()) continue;
    auto attr = fs.Lookup(caller, ino, name);
    if (!attr.ok()) return fail(MountStat(attr.status()), attr.status().message());
    if (attr->type != vfs::FileType::kDirectory) return fail(kMntNotDir, "not a directory");
    ino = attr->ino;
  }
  auto attr = fs.GetAttr(ino);
  if (!attr.ok()) return fail(MountStat(attr.status()), attr.status().message());
  {
    std::lock_guard lock(mu_);
    mounts_.insert({call.peer.address, std::string(path)});
  }
  log::Info("nfs.mount").Str("peer", call.peer.address).Str("path", path);
  out.U32(kMntOk);
  out.Opaque(FileHandle{fs.share_id(), 0, ino, attr->generation}.Encode());
  out.U32(1);  // auth_flavors: AUTH_SYS
  out.U32(static_cast<uint32_t>(AuthFlavor::kSys));
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs
