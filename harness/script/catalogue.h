// catalogue.h: the whole rfc-cases/ tree (cases, disputes) and its linter.
//
//   Catalogue cat = LoadCatalogue("rfc-cases");   // never throws on bad files:
//   cat.errors                                    // "file: field: reason" lines
//   std::vector<std::string> problems = Lint(cat);
#ifndef MTA_HARNESS_SCRIPT_CATALOGUE_H_
#define MTA_HARNESS_SCRIPT_CATALOGUE_H_

#include <map>
#include <string>
#include <vector>

#include "harness/script/case.h"

namespace mta::script {

struct Catalogue {
  std::string root;
  std::vector<Case> cases;                 // sorted by id
  std::map<std::string, Dispute> disputes; // by point id
  std::vector<std::string> errors;         // files that failed to parse

  const Case* Find(const std::string& id) const;
  const Dispute* FindDispute(const std::string& point) const;
};

// Reads <root>/<area>/*.json as cases and <root>/disputes/*.json as disputes (folders
// "schema", "expectations", "bodies" are skipped).
Catalogue LoadCatalogue(const std::string& root);

// Cross-file checks plus the parse errors: unique ids, file name = id, folder = area,
// every point defined, every rule's observation in the point's vocabulary, every
// vocabulary entry produced by some case. Empty when the catalogue is clean.
std::vector<std::string> Lint(const Catalogue& cat);

// Glob match with '*' and '?' (case ids, tags).
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace mta::script

#endif  // MTA_HARNESS_SCRIPT_CATALOGUE_H_
