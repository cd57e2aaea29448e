// status.cc: Status formatting.
#include "mta/io/status.h"

#include <cerrno>
#include <cstring>

namespace mta::io {

Status Status::Invalid(std::string what) { return Status(EINVAL, std::move(what)); }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return what_ + ": " + std::strerror(code_);
}

}  // namespace mta::io
