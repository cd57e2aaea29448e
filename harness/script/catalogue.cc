// catalogue.cc: loading rfc-cases/ and cross-file lint (see catalogue.h).
#include "harness/script/catalogue.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace mta::script {

namespace fs = std::filesystem;

const Case* Catalogue::Find(const std::string& id) const {
  for (const Case& c : cases)
    if (c.id == id) return &c;
  return nullptr;
}

const Dispute* Catalogue::FindDispute(const std::string& point) const {
  auto it = disputes.find(point);
  return it == disputes.end() ? nullptr : &it->second;
}

Catalogue LoadCatalogue(const std::string& root) {
  Catalogue cat;
  cat.root = root;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    cat.errors.push_back(root + ": not a directory");
    return cat;
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& d : dirs) {
    const std::string name = d.filename().string();
    if (name == "schema" || name == "expectations" || name == "bodies" || name[0] == '.') continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(d, ec))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      try {
        if (name == "disputes") {
          Dispute dp = LoadDispute(f.string());
          if (cat.disputes.count(dp.id)) cat.errors.push_back(f.string() + ": id: duplicate point id '" + dp.id + "'");
          else cat.disputes.emplace(dp.id, std::move(dp));
        } else {
          cat.cases.push_back(LoadCase(f.string()));
        }
      } catch (const CaseError& e) {
        cat.errors.push_back(e.what());
      }
    }
  }
  std::stable_sort(cat.cases.begin(), cat.cases.end(),
                   [](const Case& a, const Case& b) { return a.id < b.id; });
  return cat;
}

std::vector<std::string> Lint(const Catalogue& cat) {
  std::vector<std::string> out = cat.errors;
  std::map<std::string, std::string> seen;
  std::map<std::string, std::set<std::string>> produced;  // point -> observations
  for (const Case& c : cat.cases) {
    fs::path p(c.file);
    if (auto [it, fresh] = seen.emplace(c.id, c.file); !fresh)
      out.push_back(c.file + ": id: '" + c.id + "' also used by " + it->second);
    if (p.stem().string() != c.id) out.push_back(c.file + ": id: file name must be <id>.json");
    // rfc-cases/<area>/<id>.json
    if (p.parent_path().filename().string() != c.area)
      out.push_back(c.file + ": area: '" + c.area + "' but the file is in '" +
                    p.parent_path().filename().string() + "/'");
    const Dispute* d = cat.FindDispute(c.point);
    if (!d) {
      out.push_back(c.file + ": point: no rfc-cases/disputes/" + c.point + ".json");
      continue;
    }
    for (std::size_t i = 0; i < c.rules.size(); ++i) {
      const std::string& o = c.rules[i].observation;
      produced[c.point].insert(o);
      if (!d->observations.count(o))
        out.push_back(c.file + ": observations[" + std::to_string(i) + "].observation: '" + o +
                      "' is not in the vocabulary of " + c.point);
    }
  }
  for (const auto& [id, d] : cat.disputes) {
    if (fs::path(d.file).stem().string() != id)
      out.push_back(d.file + ": id: file name must be <id>.json");
    for (const std::string& o : d.observation_order)
      if (!produced[id].count(o))
        out.push_back(d.file + ": observations." + o + ": produced by no case's rules");
  }
  return out;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mta::script
