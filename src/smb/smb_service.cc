#include "smb/smb_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/posix_io.h"
#include "smb/helpers.h"
#include "smb/passdb.h"
#include "smb/process.h"
#include "smb/smb_conf.h"

namespace nasd::smb {
namespace {

// True when something accepts TCP connections at the listen address (the
// wildcard addresses are probed on loopback).
bool Accepts(const HostPort& listen) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string host = listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host == "::" ? "::1" : listen.host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(listen.port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(listen.port);
    len = sizeof *v6;
  } else {
    return false;
  }
  posix::UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0;
}

// A FUSE mount left by a nasd that was killed answers ENOTCONN; detach it
// (the folder is nasd's own, under storage.path/smb/mnt).
Status PrepareMountpoint(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) == 0) log::Warn("smb.stale_mount_detached").Str("path", path);
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError(fmt::format("cannot create mount point {}: {}", path, ec.message()));
  return Status::Ok();
}

// smbd switches to the logged-in user's uid before it enters a share, so
// every folder above the mounts must let others through (o+x).
Status CheckReachable(const std::string& dir) {
  for (std::filesystem::path p(dir); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return ErrnoStatus(errno, fmt::format("stat {}", p.string()));
    if ((st.st_mode & S_IXOTH) == 0) {
      return FailedPrecondition(fmt::format(
          "{} (mode {:o}) does not let other users through, so smbd acting as a user cannot reach the shares "
          "under {}: chmod o+x it or put storage.path elsewhere",
          p.string(), st.st_mode & 07777, dir));
    }
  }
  return Status::Ok();
}

}  // namespace

SmbService::SmbService(SmbConfig config, std::string storage_path, meta::ShareStore& shares,
                       meta::UserStore& users, Mounter mounter, std::chrono::milliseconds mount_check_interval)
    : config_(std::move(config)),
      layout_(std::move(storage_path)),
      shares_(shares),
      users_(users),
      mounter_(std::move(mounter)),
      mount_check_interval_(mount_check_interval) {
  SupervisorOptions o;
  o.argv = {"smbd", "--foreground", "--debug-stdout", "-s", layout_.conf(), "-l", layout_.log_dir()};
  o.own_group = false;  // smbd makes its own session (never --no-process-group)
  auto listen = ParseHostPort(config_.listen);
  if (listen.ok()) o.ready = [hp = *listen] { return Accepts(hp); };
  o.after_exit = [pid_dir = layout_.pid_dir(), conf = layout_.conf()] { StopHelpers(pid_dir, conf); };
  supervisor_ = std::make_unique<Supervisor>(std::move(o));
}

SmbService::~SmbService() { Stop(); }

Status SmbService::Start() {
  NASD_RETURN_IF_ERROR(ParseHostPort(config_.listen).status().WithContext("smb.listen"));
  NASD_RETURN_IF_ERROR(CreateLayout(layout_));
  if (Status st = CheckReachable(layout_.mount_root()); !st.ok()) log::Error("smb.mounts_unreachable").Err(st);
  int stale = StopHelpers(layout_.pid_dir(), layout_.conf());
  if (stale > 0) log::Warn("smb.stale_helpers_stopped").Int("count", stale);
  {
    std::lock_guard lock(mu_);
    NASD_RETURN_IF_ERROR(SyncLocked());
  }
  supervisor_->Start();
  watcher_ = std::thread([this] { WatchMounts(); });
  log::Info("smb.started").Str("listen", config_.listen).Str("conf", layout_.conf()).Uint("shares",
                                                                                        config_.shares.size());
  return Status::Ok();
}

Status SmbService::Sync() {
  std::lock_guard lock(mu_);
  if (stopped_) return Status::Ok();
  return SyncLocked();
}

void SmbService::WatchMounts() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, mount_check_interval_, [this] { return stopped_; })) {
    bool lost = false;
    for (const auto& [name, mount] : mounts_) {
      if (!mount->mounted()) {
        log::Warn("smb.mount_lost").Str("share", name).Str("action", "mounting again");
        lost = true;
      }
    }
    if (!lost) continue;
    if (Status st = SyncLocked(); !st.ok()) log::Error("smb.sync_failed").Err(st);
  }
}

Status SmbService::WritePassdb() {
  auto users = users_.List();
  if (!users.ok()) return users.status().WithContext("smb passdb");
  for (const auto& u : *users) {
    Status st = EnsureUnixAccount(u);
    if (!st.ok()) log::Warn("smb.unix_account").Str("user", u.name).Err(st);
  }
  std::vector<std::string> skipped;
  std::string text = RenderSmbPasswd(*users, &skipped);
  for (const auto& name : skipped) {
    log::Warn("smb.user_without_nt_hash")
        .Str("user", name)
        .Str("advice", "set the password again (nasd user passwd) to enable SMB logins");
  }
  return posix::WriteFileDurably(layout_.passdb(), text, 0600);
}

Status SmbService::SyncLocked() {
  NASD_RETURN_IF_ERROR(WritePassdb());
  std::vector<SmbShareAccess> served;
  share_status_.clear();
  for (const SmbShareConfig& sc : config_.shares) {
    SmbShareStatus status{sc.name, sc.share, false, ""};
    auto info = shares_.Get(sc.share);
    if (!info.ok()) {
      status.problem = info.status().code() == Code::kNotFound
                           ? fmt::format("nasd share '{}' does not exist", sc.share)
                           : info.status().ToString();
      if (mounts_.erase(sc.name) > 0) log::Info("smb.share_unmounted").Str("share", sc.name);
      share_status_.push_back(status);
      continue;
    }
    const std::string mountpoint = layout_.mountpoint(sc.name);
    auto& mount = mounts_[sc.name];
    if (mount && !mount->mounted()) mount.reset();  // unmounted from outside: mount again
    if (!mount) {
      Status st = PrepareMountpoint(mountpoint);
      auto made = st.ok() ? mounter_(sc, mountpoint) : Result<std::unique_ptr<ShareMount>>(st);
      if (!made.ok()) {
        log::Error("smb.mount_failed").Str("share", sc.share).Str("mountpoint", mountpoint).Err(made.status());
        status.problem = made.status().ToString();
        mounts_.erase(sc.name);
        share_status_.push_back(status);
        continue;
      }
      mount = std::move(made).value();
      log::Info("smb.share_mounted").Str("share", sc.share).Str("mountpoint", mountpoint);
    }
    status.mounted = true;
    share_status_.push_back(status);
    SmbShareAccess access{sc, mountpoint, {}, {}};
    auto grants = users_.ListGrants(info->id);
    if (!grants.ok()) return grants.status().WithContext(fmt::format("grants of share {}", sc.share));
    for (const auto& [user, level] : *grants) {
      (level == meta::ShareAccess::kReadWrite ? access.read_write : access.read_only).push_back(user);
    }
    served.push_back(std::move(access));
  }
  NASD_ASSIGN_OR_RETURN(std::string conf, RenderSmbConf(config_, layout_, served));
  if (conf == written_conf_) return Status::Ok();
  NASD_RETURN_IF_ERROR(posix::WriteFileDurably(layout_.conf(), conf, 0644));
  const bool first = written_conf_.empty();
  written_conf_ = std::move(conf);
  if (!first) Reload();
  return Status::Ok();
}

void SmbService::Reload() {
  if (supervisor_->status().state != ChildState::kRunning) return;  // the next start reads the new file
  auto r = Run({"smbcontrol", "-s", layout_.conf(), "smbd", "reload-config"});
  if (!r.ok() || !r->succeeded()) {
    log::Warn("smb.reload_failed").Str("why", r.ok() ? r->output : r.status().ToString());
    return;
  }
  log::Info("smb.config_reloaded");
}

void SmbService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  supervisor_->Stop();
  StopHelpers(layout_.pid_dir(), layout_.conf());
  std::lock_guard lock(mu_);
  mounts_.clear();
  log::Info("smb.stopped");
}

SmbStatus SmbService::status() const {
  SmbStatus s;
  s.smbd = supervisor_->status();
  s.listen = config_.listen;
  std::lock_guard lock(mu_);
  s.shares = share_status_;
  return s;
}

std::string ToJson(const SmbStatus& s) {
  nlohmann::json shares = nlohmann::json::array();
  for (const auto& sh : s.shares) {
    nlohmann::json j{{"name", sh.name}, {"share", sh.share}, {"mounted", sh.mounted}};
    if (!sh.problem.empty()) j["problem"] = sh.problem;
    shares.push_back(std::move(j));
  }
  nlohmann::json j{{"state", ChildStateName(s.smbd.state)},
                   {"pid", s.smbd.pid},
                   {"restarts", s.smbd.restarts},
                   {"listen", s.listen},
                   {"shares", shares}};
  if (!s.smbd.last_exit.empty()) j["last_exit"] = s.smbd.last_exit;
  return j.dump();
}

bool SmbService::WaitRunning(std::chrono::milliseconds timeout) const { return supervisor_->WaitRunning(timeout); }

}  // namespace nasd::smb
