#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "common/units.h"
#include "meta/share_store.h"
#include "meta/user_store.h"

namespace nasd::cli {
namespace {

struct ShareOptions {
  std::string name;
  bool force = false;
  std::string user;        // grant, revoke
  bool read_only = false;  // grant
};

Status Create(const Config& config, const std::string& name) {
  // Validate locally first so a typo is explained without a round trip.
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(name));
  nlohmann::json body{{"name", name}};
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "POST", "/api/v1/shares", &body));
  std::printf("Created share %s (id %llu)\n", reply.body.value("name", name).c_str(),
              static_cast<unsigned long long>(reply.body.value("id", uint64_t{0})));
  return Status::Ok();
}

Status List(const Config& config) {
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "GET", "/api/v1/shares"));
  if (!reply.body.is_object() || !reply.body["shares"].is_array()) {
    return Internal("server sent an unexpected share list");
  }
  if (reply.body["shares"].empty()) {
    std::printf("No shares. Create one with: nasd share create NAME\n");
    return Status::Ok();
  }
  std::printf("%-24s %8s  %-32s %-10s %-26s %s\n", "NAME", "ID", "CREATED", "SNAPSHOTS", "LIVE",
              "HELD ONLY BY SNAPSHOTS");
  for (const auto& s : reply.body["shares"]) {
    std::printf("%-24s %8llu  %-32s %-10llu %-26s %s\n", s.value("name", "?").c_str(),
                static_cast<unsigned long long>(s.value("id", uint64_t{0})), s.value("created", "?").c_str(),
                static_cast<unsigned long long>(s.value("snapshots", uint64_t{0})),
                ExactBytes(s.value("live_bytes", uint64_t{0})).c_str(),
                ExactBytes(s.value("snapshot_bytes", uint64_t{0})).c_str());
  }
  return Status::Ok();
}

Status Delete(const Config& config, const std::string& name, bool force) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(name));
  std::string target = "/api/v1/shares/" + name + (force ? "?force=true" : "");
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "DELETE", target));
  (void)reply;
  std::printf("Deleted share %s\n", name.c_str());
  return Status::Ok();
}

Status Grant(const Config& config, const ShareOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.name));
  NASD_RETURN_IF_ERROR(meta::ValidateUserName(o.user));
  const meta::ShareAccess access =
      o.read_only ? meta::ShareAccess::kReadOnly : meta::ShareAccess::kReadWrite;
  nlohmann::json body{{"access", meta::ShareAccessName(access)}};
  NASD_ASSIGN_OR_RETURN(
      ApiReply reply,
      CallApi(config, "PUT", "/api/v1/shares/" + o.name + "/grants/" + o.user, &body));
  (void)reply;
  std::printf("Granted %s %s access to share %s\n", o.user.c_str(),
              std::string(meta::ShareAccessName(access)).c_str(), o.name.c_str());
  return Status::Ok();
}

Status Revoke(const Config& config, const ShareOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.name));
  NASD_RETURN_IF_ERROR(meta::ValidateUserName(o.user));
  NASD_ASSIGN_OR_RETURN(
      ApiReply reply, CallApi(config, "DELETE", "/api/v1/shares/" + o.name + "/grants/" + o.user));
  (void)reply;
  std::printf("Revoked %s's access to share %s\n", o.user.c_str(), o.name.c_str());
  return Status::Ok();
}

Status Grants(const Config& config, const std::string& name) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(name));
  NASD_ASSIGN_OR_RETURN(ApiReply reply,
                        CallApi(config, "GET", "/api/v1/shares/" + name + "/grants"));
  if (!reply.body.is_object() || !reply.body["grants"].is_array()) {
    return Internal("server sent an unexpected grant list");
  }
  if (reply.body["grants"].empty()) {
    std::printf("No user may use share %s. Grant access with: nasd share grant %s USER\n",
                name.c_str(), name.c_str());
    return Status::Ok();
  }
  std::printf("%-32s %s\n", "USER", "ACCESS");
  for (const auto& g : reply.body["grants"]) {
    std::printf("%-32s %s\n", g.value("user", "?").c_str(), g.value("access", "?").c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddShareCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* share =
      app.add_subcommand("share", "Create, list and delete shares, and grant users access to them");
  share->require_subcommand(1);

  auto create_opts = std::make_shared<ShareOptions>();
  auto* create = share->add_subcommand("create", "Create a share (1-64 of A-Z a-z 0-9 . _ -, not starting with .)");
  create->add_option("NAME", create_opts->name, "Share name")->required();
  create->callback([&global, &run, create_opts] {
    run = [&global, create_opts] {
      return WithApi(global, [&](const Config& c) { return Create(c, create_opts->name); });
    };
  });

  auto* list = share->add_subcommand("list", "List shares");
  list->callback([&global, &run] { run = [&global] { return WithApi(global, List); }; });

  auto delete_opts = std::make_shared<ShareOptions>();
  auto* del = share->add_subcommand("delete", "Delete a share; refused if it holds files unless --force");
  del->add_option("NAME", delete_opts->name, "Share name")->required();
  del->add_flag("--force", delete_opts->force, "Also delete everything the share holds");
  del->callback([&global, &run, delete_opts] {
    run = [&global, delete_opts] {
      return WithApi(global, [&](const Config& c) { return Delete(c, delete_opts->name, delete_opts->force); });
    };
  });

  auto grant_opts = std::make_shared<ShareOptions>();
  auto* grant = share->add_subcommand("grant",
                                      "Let a user read and write a share (or only read it, with "
                                      "--read-only); replaces the user's access");
  grant->add_option("SHARE", grant_opts->name, "Share name")->required();
  grant->add_option("USER", grant_opts->user, "User name (see nasd user add)")->required();
  grant->add_flag("--read-only", grant_opts->read_only, "Allow reading only");
  grant->callback([&global, &run, grant_opts] {
    run = [&global, grant_opts] {
      return WithApi(global, [&](const Config& c) { return Grant(c, *grant_opts); });
    };
  });

  auto revoke_opts = std::make_shared<ShareOptions>();
  auto* revoke = share->add_subcommand("revoke", "Take a user's access to a share away");
  revoke->add_option("SHARE", revoke_opts->name, "Share name")->required();
  revoke->add_option("USER", revoke_opts->user, "User name")->required();
  revoke->callback([&global, &run, revoke_opts] {
    run = [&global, revoke_opts] {
      return WithApi(global, [&](const Config& c) { return Revoke(c, *revoke_opts); });
    };
  });

  auto grants_opts = std::make_shared<ShareOptions>();
  auto* grants =
      share->add_subcommand("grants", "List the users who may use a share, and their access");
  grants->add_option("SHARE", grants_opts->name, "Share name")->required();
  grants->callback([&global, &run, grants_opts] {
    run = [&global, grants_opts] {
      return WithApi(global, [&](const Config& c) { return Grants(c, grants_opts->name); });
    };
  });
}

}  // namespace nasd::cli
