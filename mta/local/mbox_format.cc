// mbox_format.cc: mbox writing and splitting (rules in mbox_format.h).
#include "mta/local/mbox_format.h"

#include <time.h>

#include <cstdio>

namespace mta::local {
namespace {

bool StartsWith(std::string_view s, size_t pos, std::string_view p) {
  return s.size() >= pos && s.size() - pos >= p.size() && s.compare(pos, p.size(), p) == 0;
}

// True when the line at [pos, ...) matches ^>*From  ; sets *gts to the number of '>'.
bool IsQuotedFrom(std::string_view s, size_t pos, size_t* gts) {
  size_t i = pos;
  while (i < s.size() && s[i] == '>') ++i;
  *gts = i - pos;
  return StartsWith(s, i, "From ");
}

size_t LineEnd(std::string_view s, size_t pos) {
  size_t nl = s.find('\n', pos);
  return nl == std::string_view::npos ? s.size() : nl;
}

// Case-insensitive "Content-Length:" header value within [from, to).
bool FindContentLength(std::string_view s, size_t from, size_t to, size_t* n) {
  static constexpr std::string_view kName = "content-length:";
  for (size_t pos = from; pos < to;) {
    size_t end = LineEnd(s, pos);
    if (end - pos > kName.size()) {
      bool match = true;
      for (size_t i = 0; i < kName.size() && match; ++i) {
        char c = s[pos + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        match = c == kName[i];
      }
      if (match) {
        size_t i = pos + kName.size();
        while (i < end && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t v = 0, digits = 0;
        while (i < end && s[i] >= '0' && s[i] <= '9' && digits < 15) {
          v = v * 10 + static_cast<size_t>(s[i] - '0');
          ++i;
          ++digits;
        }
        while (i < end && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        if (digits > 0 && i == end) {
          *n = v;
          return true;
        }
        return false;
      }
    }
    pos = end + 1;
  }
  return false;
}

// End of the header section: the offset of the blank line, or `limit`.
size_t HeaderEnd(std::string_view s, size_t pos, size_t limit) {
  while (pos < limit) {
    size_t end = LineEnd(s, pos);
    if (end == pos || (end == pos + 1 && s[pos] == '\r')) return pos;
    pos = end + 1;
  }
  return limit;
}

// A separator From_ line begins at `pos`: "From " at the start of the input or after a
// blank line.
bool IsSeparator(std::string_view s, size_t pos) {
  if (!StartsWith(s, pos, "From ")) return false;
  if (pos == 0) return true;
  if (s[pos - 1] != '\n') return false;
  if (pos == 1) return true;  // "\nFrom ": the empty first line is blank
  if (s[pos - 2] == '\n') return true;
  return s[pos - 2] == '\r' && (pos == 2 || s[pos - 3] == '\n');
}

// Drops one trailing blank separator line from a region.
std::string_view StripSeparator(std::string_view r) {
  if (r == "\n" || (r.size() >= 2 && r.substr(r.size() - 2) == "\n\n"))
    return r.substr(0, r.size() - 1);
  if (r == "\r\n" || (r.size() >= 3 && r.substr(r.size() - 3) == "\n\r\n"))
    return r.substr(0, r.size() - 2);
  return r;
}

}  // namespace

std::string MboxFromLine(std::string_view sender, int64_t unix_time) {
  std::string s = sender.empty() ? std::string("MAILER-DAEMON") : std::string(sender);
  for (char& c : s)
    if (static_cast<unsigned char>(c) <= ' ' || c == 127) c = '_';
  time_t t = static_cast<time_t>(unix_time);
  struct tm tm;
  char date[64] = "Thu Jan  1 00:00:00 1970";
  if (::gmtime_r(&t, &tm) != nullptr) {
    static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(date, sizeof date, "%s %s %2d %02d:%02d:%02d %d", kDays[tm.tm_wday % 7],
                  kMonths[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  tm.tm_year + 1900);
  }
  return "From " + s + " " + date;
}

std::string QuoteFromLines(std::string_view m) {
  std::string out;
  out.reserve(m.size() + 16);
  for (size_t pos = 0; pos < m.size();) {
    size_t end = LineEnd(m, pos);
    size_t gts;
    if (IsQuotedFrom(m, pos, &gts)) out.push_back('>');  // mboxrd: ^>*From  gains a '>'
    out.append(m.substr(pos, end - pos));
    if (end < m.size()) out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

std::string UnquoteFromLines(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  for (size_t pos = 0; pos < m.size();) {
    size_t end = LineEnd(m, pos);
    size_t gts;
    size_t skip = IsQuotedFrom(m, pos, &gts) && gts > 0 ? 1 : 0;  // ^>+From  loses one
    out.append(m.substr(pos + skip, end - pos - skip));
    if (end < m.size()) out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

std::string FormatMboxEntry(std::string_view sender, int64_t unix_time,
                            std::string_view message) {
  std::string out = MboxFromLine(sender, unix_time);
  out.push_back('\n');
  out += QuoteFromLines(message);
  if (!message.empty() && message.back() != '\n') out.push_back('\n');
  out.push_back('\n');  // blank separator line
  return out;
}

MboxSplit SplitMbox(std::string_view s) {
  MboxSplit r;
  size_t pos = 0;
  if (!IsSeparator(s, 0)) {
    // Preamble: up to the first separator.
    size_t next = s.size();
    for (size_t p = s.find("From "); p != std::string_view::npos; p = s.find("From ", p + 1))
      if (IsSeparator(s, p)) {
        next = p;
        break;
      }
    std::string_view pre = s.substr(0, next);
    if (pre.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      r.preamble = true;
      MboxMessage m;
      m.content = UnquoteFromLines(next < s.size() ? StripSeparator(pre) : pre);
      r.messages.push_back(std::move(m));
    }
    pos = next;
  }
  while (pos < s.size()) {
    MboxMessage m;
    m.offset = pos;
    size_t fl_end = LineEnd(s, pos);
    m.from_line = std::string(s.substr(pos, fl_end - pos));
    if (!m.from_line.empty() && m.from_line.back() == '\r') m.from_line.pop_back();
    size_t start = fl_end < s.size() ? fl_end + 1 : s.size();
    size_t region_end = s.size(), next = s.size();
    bool found = false;

    // Content-Length, when present and consistent with what follows the body.
    size_t hend = HeaderEnd(s, start, s.size());
    size_t cl;
    if (hend < s.size() && FindContentLength(s, start, hend, &cl)) {
      size_t body = LineEnd(s, hend) + 1;
      if (body <= s.size() && cl <= s.size() - body) {
        size_t end = body + cl;
        if (end == s.size() || (end + 1 == s.size() && s[end] == '\n')) {
          region_end = end;  // the last message; a trailing blank line is a separator
          next = s.size();
          found = true;
          if (end == s.size()) region_end = start + StripSeparator(s.substr(start, end - start)).size();
        } else if (s[end] == '\n' && StartsWith(s, end + 1, "From ")) {
          region_end = end;
          next = end + 1;
          found = true;
        } else if (end > 0 && s[end - 1] == '\n' && IsSeparator(s, end)) {
          region_end = start + StripSeparator(s.substr(start, end - start)).size();
          next = end;
          found = true;
        }
      }
      m.used_content_length = found;
    }
    if (!found) {
      next = s.size();
      for (size_t p = s.find("\nFrom ", start == 0 ? 0 : start - 1);
           p != std::string_view::npos; p = s.find("\nFrom ", p + 1)) {
        if (p + 1 > start && IsSeparator(s, p + 1)) {
          next = p + 1;
          break;
        }
      }
      region_end = start + StripSeparator(s.substr(start, next - start)).size();
    }
    m.content = UnquoteFromLines(s.substr(start, region_end - start));
    r.messages.push_back(std::move(m));
    pos = next;
  }
  return r;
}

}  // namespace mta::local
