// home.cc: home directory layout, configuration loading and initialisation.
#include "mta/server/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "mta/config/config_file.h"
#include "mta/io/file.h"
#include "mta/local/maildir.h"
#include "mta/server/process.h"

namespace mta::server {

std::string ConfigPath(const std::string& home) { return home + "/refmta.conf"; }
std::string QueueRoot(const std::string& home) { return home; }
std::string MailboxPath(const std::string& home, const std::string& user) {
  return home + "/mail/" + local::AsciiLower(user);
}
std::string RunDir(const std::string& home) { return home + "/run"; }

config::Settings DefaultSettings(const std::string& home, const std::string& domain,
                                 const std::vector<std::string>& users,
                                 config::Profile profile) {
  config::Settings s;
  config::ApplyProfile(profile, &s);
  s.hostname = domain;
  s.local_domains = {domain};
  s.users.clear();
  for (const std::string& u : users.empty() ? std::vector<std::string>{"postmaster"} : users)
    s.users.push_back(config::User{u, config::MailboxFormat::kMaildir});
  s.queue_dir = home + "/queue";
  return s;
}

namespace {

io::Status Chown(const std::string& path, const Ids& ids) {
  if (geteuid() != 0) return io::Status::Ok();
  if (lchown(path.c_str(), ids.uid, ids.gid) != 0) return io::Status::Errno(errno, "chown " + path);
  return io::Status::Ok();
}

io::Status Dir(const std::string& path, mode_t mode) {
  io::Status s = io::MakeDirs(path, mode);
  if (!s.ok()) return s;
  if (chmod(path.c_str(), mode) != 0) return io::Status::Errno(errno, "chmod " + path);
  return io::Status::Ok();
}

bool SafeUserName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name)
    if (c == '/' || c == '\0') return false;
  return true;
}

}  // namespace

io::Status InitHome(const std::string& home, const config::Settings& s, bool write_config) {
  const bool root = geteuid() == 0;
  Ids queue_ids{geteuid(), getegid()}, mail_ids = queue_ids;
  if (root) {
    for (const std::string& u : {s.smtpd_user, s.queue_user, s.mail_user, s.remote_user}) {
      io::Status st = EnsureSystemUser(u);
      if (!st.ok()) return st;
    }
    queue_ids = LookupIds(s.queue_user).value();
    mail_ids = LookupIds(s.mail_user).value();
  }
  if (io::Status st = Dir(home, 0755); !st.ok()) return st;
  if (write_config && !io::PathExists(ConfigPath(home))) {
    io::Status st = io::AtomicWriteFile(home, "refmta.conf", config::FormatConfig(s), 0644);
    if (!st.ok()) return st;
  }
  for (auto [path, mode] : {std::pair{home + "/mail", 0755}, {RunDir(home), 0755},
                            {RunDir(home) + "/empty", 0555}}) {
    if (io::Status st = Dir(path, static_cast<mode_t>(mode)); !st.ok()) return st;
  }
  if (io::Status st = Dir(home + "/queue", 0700); !st.ok()) return st;
  if (io::Status st = Chown(home + "/queue", queue_ids); !st.ok()) return st;
  for (const config::User& u : s.users) {
    if (!SafeUserName(u.name)) return io::Status::Invalid("bad user name: " + u.name);
    std::string box = MailboxPath(home, u.name);
    if (u.format == config::MailboxFormat::kMaildir) {
      if (io::Status st = local::EnsureMaildir(box); !st.ok()) return st;
      for (const char* sub : {"", "/tmp", "/new", "/cur"})
        if (io::Status st = Chown(box + sub, mail_ids); !st.ok()) return st;
    } else if (!io::PathExists(box)) {
      auto fd = io::OpenFile(box, O_WRONLY | O_CREAT, 0600);
      if (!fd.ok()) return fd.status();
      if (io::Status st = Chown(box, mail_ids); !st.ok()) return st;
    }
  }
  return io::Status::Ok();
}

config::Settings LoadSettings(const std::string& home, const std::vector<std::string>& sets,
                              std::vector<std::string>* errors) {
  std::string text;
  io::Status st = io::ReadFileToString(ConfigPath(home), &text);
  if (!st.ok()) {
    errors->push_back(st.ToString());
    return {};
  }
  config::ConfigResult r = config::ParseConfig(text);
  for (const config::ConfigError& e : r.errors)
    errors->push_back(ConfigPath(home) + ":" + std::to_string(e.line) + ": " + e.message);
  for (const std::string& kv : sets) {
    std::string err;
    if (!config::ApplySet(&r.settings, kv, &err)) errors->push_back("--set " + kv + ": " + err);
  }
  return r.settings;
}

local::LocalConfig MakeLocalConfig(const config::Settings& s, std::vector<std::string>* errors) {
  local::LocalConfig c;
  for (const std::string& d : s.local_domains) c.local_domains.insert(local::AsciiLower(d));
  c.local_domains.insert(local::AsciiLower(s.hostname));
  for (const config::User& u : s.users) c.users.insert(local::AsciiLower(u.name));
  c.extension_separators = s.extension_separator;
  if (!s.alias_file.empty()) {
    auto t = local::LoadAliasFile(s.alias_file);
    if (!t.ok()) {
      if (errors) errors->push_back("alias_file: " + t.status().ToString());
    } else {
      c.aliases = *t;
      if (errors)
        for (const std::string& e : t->errors) errors->push_back(s.alias_file + ": " + e);
    }
  }
  for (const auto& [name, target] : s.aliases)
    c.aliases.entries[local::AsciiLower(name)] = {target};
  return c;
}

std::vector<std::string> CheckHome(const std::string& home, const config::Settings& s) {
  std::vector<std::string> problems = config::Validate(s);
  if (s.queue_dir != home + "/queue")
    problems.push_back("queue_dir is " + s.queue_dir + " but the queue is always " + home +
                       "/queue");
  if (s.users.empty()) problems.push_back("no users: local mail can only be refused");
  for (const config::User& u : s.users)
    if (!SafeUserName(u.name)) problems.push_back("bad user name: " + u.name);
  MakeLocalConfig(s, &problems);
  if (geteuid() == 0) {
    for (const std::string& u : {s.smtpd_user, s.queue_user, s.mail_user, s.remote_user})
      if (!LookupIds(u).ok()) problems.push_back("system user " + u + " does not exist (refmta init creates it)");
    if (s.smtpd_user == s.queue_user || s.smtpd_user == s.mail_user)
      problems.push_back("smtpd_user must differ from queue_user and mail_user");
    // The SMTP client process must not be able to write the queue nor read mailboxes.
    if (s.remote_user == s.queue_user || s.remote_user == s.mail_user ||
        s.remote_user == "root")
      problems.push_back("remote_user must differ from queue_user, mail_user and root");
  }
  // QMTP / QMQP listeners and QMTP routes (smtpd.cc, remote.cc).
  for (const auto* list : {&s.qmtp_listen, &s.qmqp_listen})
    for (const std::string& addr : *list) {
      std::string host;
      std::uint16_t port = 0;
      if (addr.find(':') == std::string::npos || !config::ParseHostPort(addr, &host, &port, 0) || port == 0)
        problems.push_back("bad listen address " + addr + " (ip:port)");
    }
  if (!s.qmqp_listen.empty() && s.qmqp_clients.empty())
    problems.push_back("qmqp_listen is set but qmqp_clients is empty: every QMQP client is refused");
  for (const std::string& r : s.qmtp_routes) {
    std::string domain = local::AsciiLower(r.substr(0, r.find('=')));
    bool local = domain == local::AsciiLower(s.hostname);
    for (const std::string& d : s.local_domains) local = local || local::AsciiLower(d) == domain;
    if (local) problems.push_back("qmtp_routes names the local domain " + domain);
  }
  bool default_route = false;
  for (const std::string& r : s.smtp_routes) {
    std::string domain = local::AsciiLower(r.substr(0, r.find('=')));
    if (domain.empty()) {
      default_route = true;
      continue;
    }
    bool local = domain == local::AsciiLower(s.hostname);
    for (const std::string& d : s.local_domains) local = local || local::AsciiLower(d) == domain;
    if (local) problems.push_back("smtp_routes names the local domain " + domain);
  }
  if (default_route && !s.smarthost.empty())
    problems.push_back("smtp_routes has a default route (=host): smarthost is never used");
  if (s.tls_configured()) {
    for (const std::string& p : {s.tls_cert, s.tls_key})
      if (access(p.c_str(), R_OK) != 0) problems.push_back("cannot read " + p);
  }
  return problems;
}

}  // namespace mta::server
