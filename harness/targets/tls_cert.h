// tls_cert.h: a fresh self-signed server certificate for a managed target's STARTTLS
// (RFC 3207), made once per run with the OpenSSL C API.
//
// WriteSelfSignedCert writes DIR/cert.pem (X.509 v3, RSA 2048, SHA-256, CN and
// subjectAltName DNS = the hostname, valid from an hour before `now` for `valid_days`) and
// DIR/key.pem (the unencrypted PKCS#8 private key, mode 0600, owned by the caller). The
// targets' daemons need different owners and modes for the key; refmta reads it as root
// before dropping privileges, and sandbox.py copies it for each peer (see peers/README.md).
//
//   TlsFiles f = WriteSelfSignedCert(run_dir + "/tls", {"mx.local.test"});
//   // f.cert == run_dir + "/tls/cert.pem", f.key == run_dir + "/tls/key.pem"
#ifndef MTA_HARNESS_TARGETS_TLS_CERT_H_
#define MTA_HARNESS_TARGETS_TLS_CERT_H_

#include <ctime>
#include <string>

namespace mta::targets {

struct TlsFiles {
  std::string cert;  // PEM certificate (0644)
  std::string key;   // PEM private key (0600)
};

struct TlsCertOptions {
  std::string hostname;   // CN and the one subjectAltName dNSName, e.g. mx.local.test
  int valid_days = 3;     // notAfter = now + valid_days
  std::time_t now = 0;    // 0 = the current time
};

// Creates `dir` (0755) when missing and writes cert.pem and key.pem into it, replacing
// earlier ones. A new key pair and a random 128-bit serial every call.
// Throws std::runtime_error (with OpenSSL's reason) on failure, or std::invalid_argument
// for an empty or over-long hostname (more than 64 octets, the CN limit of RFC 5280).
TlsFiles WriteSelfSignedCert(const std::string& dir, const TlsCertOptions& opts);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_TLS_CERT_H_
