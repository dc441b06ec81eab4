#include "ghharvest/cli/cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ghharvest/cli/commands.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {
namespace {

// systemd's ConfigurationDirectory= sets $CONFIGURATION_DIRECTORY; otherwise /etc.
std::string DefaultConfigPath() {
  if (const char* dir = std::getenv("CONFIGURATION_DIRECTORY"); dir && *dir) {
    std::string first(dir);
    return first.substr(0, first.find(':')) + "/ghharvest.toml";
  }
  return "/etc/ghharvest/ghharvest.toml";
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{
      "ghharvest: harvests the GitHub activity of watched writers into SQLite, scores their "
      "influence and writes report files."};
  app.set_version_flag("--version", "ghharvest " GHHARVEST_VERSION);
  app.require_subcommand(1);
  // Subcommands hand unknown options to the top level, so `ghharvest status -c FILE` works
  // as well as `ghharvest -c FILE status`.
  app.fallthrough();

  CommonOptions common;
  common.config_path = DefaultConfigPath();
  app.add_option("-c,--config", common.config_path, "Configuration file")
      ->capture_default_str()
      ->type_name("FILE");
  app.add_option("--log-level", common.log_level, "error, warning, notice, info or debug")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
  app.add_flag("--ignore-owner", common.ignore_owner,
               "As root, work in a state folder another user (the service) owns anyway");

  CLI::App* run = app.add_subcommand("run", "Run the daemon: sync, score and report on a schedule");
  bool once = false;
  CLI::App* sync = app.add_subcommand("sync", "Fetch everything new from GitHub, then exit");
  sync->add_flag("--once", once, "One full cycle, then exit (required for now)");
  CLI::App* score =
      app.add_subcommand("score", "Recompute scores and write reports from the database alone");
  CLI::App* check =
      app.add_subcommand("check-config", "Validate the configuration and summarize it");
  CLI::App* status = app.add_subcommand(
      "status", "Show what is watched, watermarks, rate-limit budget and the last errors");
  bool status_json = false;
  status->add_flag("--json", status_json, "The same facts, and the database's, as one JSON object");
  std::vector<std::string> files;
  CLI::App* import =
      app.add_subcommand("import-archive", "Backfill from GH Archive .json.gz files");
  import->add_option("FILE", files, "GH Archive hourly dumps")->required();
  int jobs = 1;
  import
      ->add_option("--jobs,-j", jobs,
                   "Files decompressed and parsed at once (one thread writes the database)")
      ->check(CLI::Range(1, 64));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with exit code 0.
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  log::Level level = log::Level::kInfo;
  log::ParseLevel(common.log_level, &level);  // CLI11 already checked the name
  log::SetLevel(level);

  if (*run) return CmdRun(common);
  if (*sync) {
    if (!once) {
      std::fputs(
          "ghharvest: 'sync' needs --once (one cycle, then exit); the daemon is 'ghharvest run'\n",
          stderr);
      return kExitUsage;
    }
    return CmdSyncOnce(common);
  }
  if (*score) return CmdScore(common);
  if (*check) return CmdCheckConfig(common);
  if (*status) return CmdStatus(common, status_json);
  if (*import) return CmdImportArchive(common, files, jobs);
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace ghharvest::cli
