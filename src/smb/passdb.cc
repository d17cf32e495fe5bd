#include "smb/passdb.h"

#include <grp.h>
#include <pwd.h>

#include <ctime>

#include <fmt/format.h>

#include "smb/process.h"

namespace nasd::smb {
namespace {

Status RunTool(const std::vector<std::string>& argv) {
  NASD_ASSIGN_OR_RETURN(CommandResult r, Run(argv));
  if (r.succeeded()) return Status::Ok();
  std::string out = r.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return FailedPrecondition(fmt::format("{} failed ({}): {}", argv[0], DescribeWaitStatus(r.wait_status), out));
}

}  // namespace

std::string RenderSmbPasswd(const std::vector<meta::UserRecord>& users, std::vector<std::string>* skipped) {
  std::string out;
  for (const auto& u : users) {
    if (u.nt_hash.size() != 32) {
      if (skipped) skipped->push_back(u.name);
      continue;
    }
    auto changed = static_cast<unsigned long long>(u.created_ns / 1'000'000'000);
    out += fmt::format("{}:{}:{}:{}:[U          ]:LCT-{:08X}:\n", u.name, u.uid, std::string(32, 'X'), u.nt_hash,
                       changed);
  }
  return out;
}

Status EnsureUnixAccount(const meta::UserRecord& user) {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwnam_r(user.name.c_str(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    if (found->pw_uid != user.uid) {
      return FailedPrecondition(fmt::format(
          "Unix account '{}' has uid {} but the nasd user has uid {}: SMB access runs as uid {}", user.name,
          found->pw_uid, user.uid, found->pw_uid));
    }
    return Status::Ok();
  }
  struct group gr;
  struct group* group = nullptr;
  if (::getgrgid_r(user.gid, &gr, buf, sizeof buf, &group) != 0 || group == nullptr) {
    NASD_RETURN_IF_ERROR(RunTool({"groupadd", "-g", std::to_string(user.gid), user.name}));
  }
  return RunTool({"useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-d", "/nonexistent", "-u",
                  std::to_string(user.uid), "-g", std::to_string(user.gid), user.name});
}

}  // namespace nasd::smb
