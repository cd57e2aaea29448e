// captured.cc: JSON form of a captured transaction (see captured.h).
#include "harness/sink/captured.h"

namespace mta::sink {

std::vector<std::string> Captured::AcceptedRcpts() const {
  std::vector<std::string> out;
  for (const Rcpt& r : rcpts)
    if (r.code >= 200 && r.code < 300) out.push_back(r.path);
  return out;
}

std::string Escape(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string Base64(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

nlohmann::json CapturedToJson(const Captured& c) {
  using nlohmann::json;
  constexpr std::size_t kShown = 64 * 1024;
  auto shown = [&](json& j, const char* key, const std::string& v) {
    j[key] = Escape(std::string_view(v).substr(0, kShown));
    if (v.size() > kShown) j[std::string(key) + "_truncated"] = true;
  };
  // Envelope strings may hold any octet (8-bit, controls): escaped so the JSON stays valid.
  json j;
  j["listen"] = c.listen;
  j["peer_ip"] = c.peer_ip;
  j["helo_verb"] = c.helo_verb;
  j["helo"] = Escape(c.helo);
  j["mail_from"] = Escape(c.mail_from);
  j["mail_params"] = Escape(c.mail_params);
  j["mail_code"] = c.mail_code;
  j["rcpts"] = json::array();
  for (const Captured::Rcpt& r : c.rcpts)
    j["rcpts"].push_back({{"path", Escape(r.path)}, {"params", Escape(r.params)}, {"code", r.code}});
  shown(j, "raw_data", c.raw_data);
  j["raw_data_b64"] = Base64(c.raw_data);
  j["raw_size"] = c.raw_data.size();
  shown(j, "data", c.data);
  j["data_b64"] = Base64(c.data);
  j["data_size"] = c.data.size();
  j["data_complete"] = c.data_complete;
  j["truncated"] = c.truncated;
  j["bdat"] = c.bdat;
  j["starttls"] = c.starttls;
  j["eod_code"] = c.eod_code;
  j["anomalies"] = c.anomalies;
  j["connected_unix_ms"] = c.connected_unix_ms;
  j["received_unix_ms"] = c.received_unix_ms;
  j["transcript"] = c.transcript;  // already escaped line by line
  const SessionEnd e = c.End();
  j["quit"] = e.quit ? "sent" : "none";
  j["quit_reply_sent"] = e.quit_reply_sent;
  j["closed_before_quit_reply"] = e.closed_before_quit_reply;
  if (e.eod_reply_done) {
    j["closed_before_eod_reply"] = e.closed_before_eod_reply;
    j["eod_reply_unix_ms"] = e.eod_reply_unix_ms;
  }
  j["session_closed"] = e.closed;
  j["session_closed_unix_ms"] = e.closed_unix_ms;
  return j;
}

}  // namespace mta::sink
