// SmbService: nasd's SMB server. It mounts each configured share (through a
// Mounter: FUSE in `nasd serve`), writes Samba's passdb and a private
// smb.conf under storage.path/smb, and keeps smbd running under a
// Supervisor. Sync() brings passdb, grants and mounts up to date after a user,
// grant or share change; smbd rereads its config when it changed. A mount
// that ends under smbd (umount from outside) is mounted again within
// mount_check_interval.
//
// Thread-safe. The stores must outlive the service.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "meta/share_store.h"
#include "meta/user_store.h"
#include "smb/smb_layout.h"
#include "smb/supervisor.h"

namespace nasd::smb {

// One nasd share visible as a directory for smbd; unmounted when destroyed.
class ShareMount {
 public:
  virtual ~ShareMount() = default;
  // False once unmounted from outside.
  virtual bool mounted() const = 0;
};

// Mounts share.share at mountpoint (an existing empty directory), read-only
// when share.read_only.
using Mounter = std::function<Result<std::unique_ptr<ShareMount>>(const SmbShareConfig& share,
                                                                 const std::string& mountpoint)>;

struct SmbShareStatus {
  std::string name;   // SMB share name
  std::string share;  // nasd share
  bool mounted = false;
  std::string problem;  // why it is not served ("share 'x' does not exist")
};

struct SmbStatus {
  SupervisorStatus smbd;
  std::string listen;
  std::vector<SmbShareStatus> shares;
};

// {"state","pid","restarts","last_exit","listen","shares":[{"name","share","mounted","problem"?}]}
std::string ToJson(const SmbStatus& status);

class SmbService {
 public:
  SmbService(SmbConfig config, std::string storage_path, meta::ShareStore& shares, meta::UserStore& users,
             Mounter mounter, std::chrono::milliseconds mount_check_interval = std::chrono::seconds(2));
  ~SmbService();  // Stop()

  // Creates the layout, stops helpers a previous run left, syncs, starts
  // smbd. Fails only when nothing can work (the layout cannot be created,
  // the config cannot be rendered); a missing share or user problem is
  // logged and reported in status().
  Status Start();
  // Re-reads users, grants and shares; rewrites the passdb (always) and
  // smb.conf (when it changed, then smbd reloads it); mounts shares that
  // appeared and unmounts those that went.
  Status Sync();
  // Stops smbd and its helpers, then unmounts. Idempotent.
  void Stop();
  SmbStatus status() const;
  // Blocks until smbd accepts connections (or timeout); true if it does.
  bool WaitRunning(std::chrono::milliseconds timeout) const;

  const SmbLayout& layout() const { return layout_; }

 private:
  Status SyncLocked() REQUIRES(mu_);
  void WatchMounts();
  Status WritePassdb() REQUIRES(mu_);
  void Reload() REQUIRES(mu_);

  const SmbConfig config_;
  const SmbLayout layout_;
  meta::ShareStore& shares_;
  meta::UserStore& users_;
  const Mounter mounter_;
  const std::chrono::milliseconds mount_check_interval_;
  std::unique_ptr<Supervisor> supervisor_;
  std::thread watcher_;  // WatchMounts, from Start() to Stop()

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<ShareMount>> mounts_ GUARDED_BY(mu_);  // by SMB share name
  std::vector<SmbShareStatus> share_status_ GUARDED_BY(mu_);
  std::string written_conf_ GUARDED_BY(mu_);
  bool stopped_ GUARDED_BY(mu_) = false;
  std::condition_variable stop_cv_;
};

}  // namespace nasd::smb
