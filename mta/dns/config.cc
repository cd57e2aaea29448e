// config.cc: resolv.conf subset and "IP[:PORT]" server specifications.
#include "mta/dns/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mta::dns {
namespace {

bool IsIp(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool ParsePort(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  *port = v;
  return true;
}

bool ParseInt(std::string_view text, int lo, int hi, int* out) {
  if (text.empty() || text.size() > 6) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseServerSpec(std::string_view spec, std::pair<std::string, int>* server,
                     std::string* error) {
  std::string ip;
  int port = 53;
  if (!spec.empty() && spec.front() == '[') {
    std::size_t close = spec.find(']');
    if (close == std::string_view::npos) {
      *error = "missing ']' in " + std::string(spec);
      return false;
    }
    ip = std::string(spec.substr(1, close - 1));
    std::string_view rest = spec.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !ParsePort(rest.substr(1), &port))) {
      *error = "bad port in " + std::string(spec);
      return false;
    }
  } else if (std::count(spec.begin(), spec.end(), ':') == 1) {
    std::size_t colon = spec.find(':');
    ip = std::string(spec.substr(0, colon));
    if (!ParsePort(spec.substr(colon + 1), &port)) {
      *error = "bad port in " + std::string(spec);
      return false;
    }
  } else {
    ip = std::string(spec);  // IPv4 without port, or bare IPv6
  }
  if (!IsIp(ip)) {
    *error = "not an IP address: " + std::string(spec);
    return false;
  }
  *server = {ip, port};
  return true;
}

bool ParseResolvConf(std::string_view text, ResolverConfig* config, std::string* error) {
  std::vector<std::pair<std::string, int>> servers;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::size_t hash = line.find_first_of("#;");
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string keyword;
    if (!(words >> keyword)) continue;
    if (keyword == "nameserver") {
      std::string spec;
      std::pair<std::string, int> server;
      std::string why;
      if (!(words >> spec) || !ParseServerSpec(spec, &server, &why)) {
        *error = "line " + std::to_string(number) + ": " + (spec.empty() ? "missing address" : why);
        return false;
      }
      servers.push_back(server);
    } else if (keyword == "options") {
      std::string option;
      while (words >> option) {
        bool ok = true;
        if (option.rfind("timeout:", 0) == 0) {
          int seconds = 0;
          ok = ParseInt(std::string_view(option).substr(8), 0, 3600, &seconds);
          if (ok) config->timeout_ms = seconds == 0 ? 1000 : seconds * 1000;
        } else if (option.rfind("attempts:", 0) == 0) {
          ok = ParseInt(std::string_view(option).substr(9), 1, 10, &config->attempts);
        }
        if (!ok) {
          *error = "line " + std::to_string(number) + ": bad option " + option;
          return false;
        }
      }
    }
  }
  if (!servers.empty()) config->servers = std::move(servers);
  return true;
}

bool LoadResolvConf(const std::string& path, ResolverConfig* config, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!ParseResolvConf(text.str(), config, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace mta::dns
