#include "ghharvest/config/token.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/util/log.hpp"

namespace ghharvest::config {
namespace {

std::string Trim(std::string s) {
  const char* ws = " \t\r\n\f\v";
  auto end = s.find_last_not_of(ws);
  if (end == std::string::npos) return {};
  s.erase(end + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

// A token goes into an HTTP header: anything but visible ASCII would corrupt the request.
Status CheckToken(const std::string& token, const std::string& source) {
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Status::InvalidArgument(
          fmt::format("the token from {} contains whitespace or control characters", source));
    }
  }
  return Status::Ok();
}

enum class FileResult { kFound, kMissing, kEmpty };

Status ReadTokenFile(const std::string& path, const std::string& source, std::string* out,
                     FileResult* result) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      *result = FileResult::kMissing;
      return Status::Ok();
    }
    return Status::IOError(fmt::format("{}: {}", source, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("{}: not a regular file", source));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("{}: cannot read (permissions?)", source));
  std::stringstream buf;
  buf << in.rdbuf();
  *out = Trim(buf.str());
  if (out->empty()) {
    *result = FileResult::kEmpty;
    return Status::Ok();
  }
  if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    log::Warning("token file is readable by group or others; chmod 600 it path={} mode={:o}", path,
                 st.st_mode & 0777);
  }
  *result = FileResult::kFound;
  return Status::Ok();
}

}  // namespace

Result<Token> LoadTokenWithSource(const GithubConfig& github) {
  std::vector<std::string> tried;
  auto try_file = [&](const std::string& path, const std::string& source) -> Result<Token> {
    std::string value;
    FileResult r = FileResult::kMissing;
    if (Status s = ReadTokenFile(path, source, &value, &r); !s.ok()) return s;
    if (r == FileResult::kFound) {
      if (Status s = CheckToken(value, source); !s.ok()) return s;
      return Token{std::move(value), source};
    }
    tried.push_back(fmt::format("{} ({})", source, r == FileResult::kEmpty ? "empty" : "missing"));
    return Status::NotFound("");
  };

  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
    auto t = try_file(std::string(dir) + "/github-token", "$CREDENTIALS_DIRECTORY/github-token");
    if (t.ok() || t.status().code() != Status::Code::kNotFound) return t;
  }
  if (github.token_file) {
    auto t = try_file(*github.token_file, "token_file " + *github.token_file);
    if (t.ok() || t.status().code() != Status::Code::kNotFound) return t;
  }
  if (github.token_env) {
    const std::string source = "$" + *github.token_env;
    const char* v = std::getenv(github.token_env->c_str());
    std::string value = v ? Trim(v) : std::string();
    if (!value.empty()) {
      if (Status s = CheckToken(value, source); !s.ok()) return s;
      return Token{std::move(value), source};
    }
    tried.push_back(fmt::format("{} ({})", source, v ? "empty" : "unset"));
  }
  std::string list;
  for (const std::string& t : tried) list += (list.empty() ? "" : ", ") + t;
  if (list.empty()) list = "no token_file or token_env configured";
  return Status::NotFound(fmt::format("no GitHub token: tried {}", list));
}

Result<std::vector<Token>> LoadTokenPool(const GithubConfig& github) {
  std::vector<Token> pool;
  auto first = LoadTokenWithSource(github);
  if (first.ok()) {
    pool.push_back(std::move(first).value());
  } else if (first.status().code() != Status::Code::kNotFound) {
    return first.status();
  }
  auto add = [&](std::string value, std::string source) -> Status {
    if (Status s = CheckToken(value, source); !s.ok()) return s;
    for (const Token& t : pool) {
      if (t.value == value) {
        log::Notice("token pool: the same token again, counted once source=\"{}\"", source);
        return Status::Ok();
      }
    }
    pool.push_back(Token{std::move(value), std::move(source)});
    return Status::Ok();
  };
  auto file = [&](const std::string& path, const std::string& source) -> Status {
    std::string value;
    FileResult r = FileResult::kMissing;
    if (Status s = ReadTokenFile(path, source, &value, &r); !s.ok()) return s;
    if (r != FileResult::kFound) {
      return Status::InvalidArgument(fmt::format("token pool: {} is {}", source,
                                                 r == FileResult::kEmpty ? "empty" : "missing"));
    }
    return add(std::move(value), source);
  };
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("github-token", 0) == 0 && name != "github-token") names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (Status s = file(std::string(dir) + "/" + name, "$CREDENTIALS_DIRECTORY/" + name);
          !s.ok()) {
        return s;
      }
    }
  }
  for (const std::string& path : github.token_files) {
    if (Status s = file(path, "token_files " + path); !s.ok()) return s;
  }
  for (const std::string& env : github.token_envs) {
    const std::string source = "$" + env;
    const char* v = std::getenv(env.c_str());
    std::string value = v ? Trim(v) : std::string();
    if (value.empty()) {
      return Status::InvalidArgument(
          fmt::format("token pool: {} is {}", source, v ? "empty" : "unset"));
    }
    if (Status s = add(std::move(value), source); !s.ok()) return s;
  }
  return pool;
}

Result<Token> LoadAppKey(const GithubAppConfig& app) {
  std::string path = app.private_key_file;
  std::string source = "[github.app] private_key_file " + path;
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
    std::string cred = std::string(dir) + "/github-app-key";
    struct stat st {};
    if (::stat(cred.c_str(), &st) == 0) {
      path = cred;
      source = "$CREDENTIALS_DIRECTORY/github-app-key";
    }
  }
  std::string value;
  FileResult r = FileResult::kMissing;
  if (Status s = ReadTokenFile(path, source, &value, &r); !s.ok()) return s;
  if (r != FileResult::kFound) {
    return Status::InvalidArgument(fmt::format("GitHub App key: {} is {}", source,
                                               r == FileResult::kEmpty ? "empty" : "missing"));
  }
  return Token{value + "\n", source};
}

Result<std::string> LoadToken(const GithubConfig& github) {
  auto t = LoadTokenWithSource(github);
  if (!t.ok()) return t.status();
  return std::move(t->value);
}

Result<std::string> LoadTokenOrAnonymous(const GithubConfig& github) {
  auto t = LoadTokenWithSource(github);
  if (t.ok()) {
    log::Info("token loaded source=\"{}\"", t->source);
    return std::move(t->value);
  }
  if (t.status().code() == Status::Code::kNotFound) {
    log::Warning("no GitHub token configured: unauthenticated, 60 requests per hour");
    return std::string();
  }
  return t.status();
}

bool TokenIsServiceCredential(const GithubConfig& github) {
  auto t = LoadTokenWithSource(github);
  return t.ok() && t->source.rfind("$CREDENTIALS_DIRECTORY", 0) == 0;
}

std::string RejectedTokenAdvice(const GithubConfig& github) {
  if (TokenIsServiceCredential(github)) {
    return "replace /etc/ghharvest/github-token and restart the service (systemctl restart "
           "ghharvest): systemd hands a LoadCredential= token over only at start, so a reload "
           "would read the old one";
  }
  return "replace the token and reload the config (systemctl reload ghharvest, or SIGHUP)";
}

}  // namespace ghharvest::config
