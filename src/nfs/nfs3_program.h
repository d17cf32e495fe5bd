// NFS version 3 (RFC 1813): the 22 procedures over vfs::Filesystem, one
// Filesystem per exported share.
#pragma once

#include <string>

#include "nfs/dispatcher.h"
#include "nfs/export_table.h"

namespace nasd::nfs {

inline constexpr uint32_t kNfsProgram = 100003;
inline constexpr uint32_t kNfsVersion = 3;

class Nfs3Program : public RpcProgram {
 public:
  // The write verifier is drawn at random here: a new server process has a
  // new one, which tells clients to resend writes that were never committed.
  explicit Nfs3Program(ExportTable& exports);

  uint32_t program() const override { return kNfsProgram; }
  uint32_t min_version() const override { return kNfsVersion; }
  uint32_t max_version() const override { return kNfsVersion; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 21; }
  std::string_view name() const override { return "nfs"; }
  std::string_view ProcedureName(uint32_t proc) const override;
  bool IsQuick(uint32_t vers, uint32_t proc) const override;
  bool MayTryQuick(uint32_t vers, uint32_t proc) const override;
  bool MayRunBrief(uint32_t vers, uint32_t proc) const override;
  ProcOutcome Call(const RpcCall& call, XdrReader& args, XdrWriter& out) override;

  const std::string& write_verifier() const { return verifier_; }

 private:
  ExportTable& exports_;
  const std::string verifier_;  // 8 bytes
};

}  // namespace nasd::nfs
