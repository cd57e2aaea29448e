// name.cc: domain names between presentation text and wire labels (RFC 1035 2.3.4, 5.1).
#include "mta/lib/dns/name.h"

#include <cstdio>

namespace mta::dns {
namespace {

void SetError(std::string* error, const char* what) {
  if (error) *error = what;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool NameToLabels(std::string_view text, std::vector<std::string>* labels, std::string* error) {
  labels->clear();
  if (text.empty() || text == ".") return true;
  std::string label;
  std::size_t wire_length = 1;  // the root label's length octet
  bool label_open = false;
  auto close_label = [&]() -> bool {
    if (label.empty()) {
      SetError(error, "empty-label");
      return false;
    }
    // RFC 1035 2.3.4: labels 63 octets or less.
    if (label.size() > kMaxLabelLength) {
      SetError(error, "label-too-long");
      return false;
    }
    wire_length += 1 + label.size();
    // RFC 1035 2.3.4: names 255 octets or less.
    if (wire_length > kMaxNameLength) {
      SetError(error, "name-too-long");
      return false;
    }
    labels->push_back(std::move(label));
    label.clear();
    label_open = false;
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!close_label()) return false;
      if (i + 1 == text.size()) return true;  // one trailing dot: fully qualified
      continue;
    }
    label_open = true;
    if (c == '\\') {
      if (i + 1 >= text.size()) {
        SetError(error, "bad-escape");
        return false;
      }
      char d = text[i + 1];
      if (d >= '0' && d <= '9') {
        if (i + 3 >= text.size() || !(text[i + 2] >= '0' && text[i + 2] <= '9') ||
            !(text[i + 3] >= '0' && text[i + 3] <= '9')) {
          SetError(error, "bad-escape");
          return false;
        }
        int v = (d - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) {
          SetError(error, "bad-escape");
          return false;
        }
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(d);
        i += 1;
      }
    } else {
      label.push_back(c);
    }
    if (label.size() > kMaxLabelLength) {
      SetError(error, "label-too-long");
      return false;
    }
  }
  if (label_open || !label.empty()) return close_label();
  return true;
}

std::string LabelsToName(const std::vector<std::string>& labels) {
  if (labels.empty()) return ".";
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back('.');
    for (unsigned char c : labels[i]) {
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x21 || c > 0x7e) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  return out;
}

std::string CanonicalName(std::string_view text) {
  std::vector<std::string> labels;
  if (!NameToLabels(text, &labels)) return "";
  for (auto& l : labels)
    for (char& c : l) c = Lower(c);
  return LabelsToName(labels);
}

bool NamesEqual(std::string_view a, std::string_view b) {
  std::string ca = CanonicalName(a), cb = CanonicalName(b);
  return !ca.empty() && ca == cb;
}

}  // namespace mta::dns
