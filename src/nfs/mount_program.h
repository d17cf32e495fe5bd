// MOUNT version 3 (RFC 1813 appendix I): MNT hands out the root file handle
// of an exported share ("/<share>" or a directory below it), EXPORT and DUMP
// list exports and mounts. Served on the NFS listener.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "common/thread_annotations.h"
#include "nfs/dispatcher.h"
#include "nfs/export_table.h"

namespace nasd::nfs {

inline constexpr uint32_t kMountProgram = 100005;
inline constexpr uint32_t kMountVersion = 3;

class MountProgram : public RpcProgram {
 public:
  explicit MountProgram(ExportTable& exports) : exports_(exports) {}

  uint32_t program() const override { return kMountProgram; }
  uint32_t min_version() const override { return kMountVersion; }
  uint32_t max_version() const override { return kMountVersion; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 5; }
  std::string_view name() const override { return "mount"; }
  std::string_view ProcedureName(uint32_t proc) const override;
  ProcOutcome Call(const RpcCall& call, XdrReader& args, XdrWriter& out) override;

 private:
  ProcOutcome Mnt(const RpcCall& call, XdrReader& args, XdrWriter& out);

  ExportTable& exports_;
  std::mutex mu_;
  // (client address, path) of MNT calls not yet UMNTed: DUMP's answer. Kept
  // in memory only; RFC 1813 calls the list advisory.
  std::set<std::pair<std::string, std::string>> mounts_ GUARDED_BY(mu_);
};

}  // namespace nasd::nfs
