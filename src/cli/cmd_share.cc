#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "meta/share_store.h"

namespace nasd::cli {
namespace {

struct ShareOptions {
  std::string name;
  bool force = false;
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
  std::printf("%-24s %8s  %s\n", "NAME", "ID", "CREATED");
  for (const auto& s : reply.body["shares"]) {
    std::printf("%-24s %8llu  %s\n", s.value("name", "?").c_str(),
                static_cast<unsigned long long>(s.value("id", uint64_t{0})), s.value("created", "?").c_str());
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

}  // namespace

void AddShareCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* share = app.add_subcommand("share", "Create, list and delete shares on the running server");
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
}

}  // namespace nasd::cli
