// `nasd user add|passwd|delete|list`: the users who log in over WebDAV and
// SMB, managed through the running server's API.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/api_client.h"
#include "cli/password_input.h"
#include "meta/user_store.h"

namespace nasd::cli {
namespace {

struct UserOptions {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  CLI::Option* uid_opt = nullptr;
  CLI::Option* gid_opt = nullptr;
};

Status Add(const Config& config, const UserOptions& o) {
  // Validate locally first so a typo is explained before asking for a password.
  NASD_RETURN_IF_ERROR(meta::ValidateUserName(o.name));
  NASD_ASSIGN_OR_RETURN(std::string password, ReadNewPassword(stdin));
  nlohmann::json body{{"name", o.name}, {"password", password}};
  if (o.uid_opt->count() > 0) body["uid"] = o.uid;
  if (o.gid_opt->count() > 0) body["gid"] = o.gid;
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "POST", "/api/v1/users", &body));
  std::printf("Added user %s (uid %llu, gid %llu)\n", reply.body.value("name", o.name).c_str(),
              static_cast<unsigned long long>(reply.body.value("uid", uint64_t{0})),
              static_cast<unsigned long long>(reply.body.value("gid", uint64_t{0})));
  return Status::Ok();
}

Status Passwd(const Config& config, const std::string& name) {
  NASD_RETURN_IF_ERROR(meta::ValidateUserName(name));
  NASD_ASSIGN_OR_RETURN(std::string password, ReadNewPassword(stdin));
  nlohmann::json body{{"password", password}};
  NASD_ASSIGN_OR_RETURN(ApiReply reply,
                        CallApi(config, "PUT", "/api/v1/users/" + name + "/password", &body));
  (void)reply;
  std::printf("Changed the password of %s\n", name.c_str());
  return Status::Ok();
}

Status Delete(const Config& config, const std::string& name) {
  NASD_RETURN_IF_ERROR(meta::ValidateUserName(name));
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "DELETE", "/api/v1/users/" + name));
  (void)reply;
  std::printf("Deleted user %s and the user's grants\n", name.c_str());
  return Status::Ok();
}

Status List(const Config& config) {
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "GET", "/api/v1/users"));
  if (!reply.body.is_object() || !reply.body["users"].is_array()) {
    return Internal("server sent an unexpected user list");
  }
  if (reply.body["users"].empty()) {
    std::printf("No users. Add one with: nasd user add NAME\n");
    return Status::Ok();
  }
  std::printf("%-32s %10s %10s  %s\n", "NAME", "UID", "GID", "CREATED");
  for (const auto& u : reply.body["users"]) {
    std::printf("%-32s %10llu %10llu  %s\n", u.value("name", "?").c_str(),
                static_cast<unsigned long long>(u.value("uid", uint64_t{0})),
                static_cast<unsigned long long>(u.value("gid", uint64_t{0})),
                u.value("created", "?").c_str());
  }
  return Status::Ok();
}

constexpr char kPasswordHelp[] =
    "The password is read from standard input (one line) when it is not a terminal, "
    "otherwise prompted for twice without echo.";

}  // namespace

void AddUserCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* user = app.add_subcommand(
      "user", "Add, list and delete the users who log in to shares (WebDAV and SMB)");
  user->require_subcommand(1);

  auto add_opts = std::make_shared<UserOptions>();
  auto* add = user->add_subcommand(
      "add", "Add a user (name: 1-32 of a-z 0-9 . _ -, starting with a letter or _)");
  add->footer(kPasswordHelp);
  add->add_option("NAME", add_opts->name, "User name")->required();
  add_opts->uid_opt =
      add->add_option("--uid", add_opts->uid,
                      "Unix uid of the user's files (default: the next free from 10000)")
          ->check(CLI::Range(1u, 4294967294u));
  add_opts->gid_opt =
      add->add_option("--gid", add_opts->gid, "Unix gid of the user's files (default: the uid)")
          ->check(CLI::Range(1u, 4294967294u));
  add->callback([&global, &run, add_opts] {
    run = [&global, add_opts] {
      return WithApi(global, [&](const Config& c) { return Add(c, *add_opts); });
    };
  });

  auto passwd_opts = std::make_shared<UserOptions>();
  auto* passwd = user->add_subcommand("passwd", "Set a user's password");
  passwd->footer(kPasswordHelp);
  passwd->add_option("NAME", passwd_opts->name, "User name")->required();
  passwd->callback([&global, &run, passwd_opts] {
    run = [&global, passwd_opts] {
      return WithApi(global, [&](const Config& c) { return Passwd(c, passwd_opts->name); });
    };
  });

  auto delete_opts = std::make_shared<UserOptions>();
  auto* del = user->add_subcommand("delete", "Delete a user and all of the user's share grants");
  del->add_option("NAME", delete_opts->name, "User name")->required();
  del->callback([&global, &run, delete_opts] {
    run = [&global, delete_opts] {
      return WithApi(global, [&](const Config& c) { return Delete(c, delete_opts->name); });
    };
  });

  auto* list = user->add_subcommand("list", "List users (names and ids; never passwords)");
  list->callback([&global, &run] { run = [&global] { return WithApi(global, List); }; });
}

}  // namespace nasd::cli
