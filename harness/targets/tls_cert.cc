// tls_cert.cc: see tls_cert.h.
#include "harness/targets/tls_cert.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mta::targets {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
void BioFree(BIO* b) { BIO_free(b); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BioFree>>;

[[noreturn]] void Fail(const std::string& what) {
  std::string detail;
  if (unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw std::runtime_error("tls certificate: " + what + detail);
}

PkeyPtr NewRsaKey() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) <= 0)
    Fail("RSA key generation setup");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) <= 0) Fail("RSA key generation");
  return PkeyPtr(raw);
}

void AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) Fail("extension " + value);
}

std::string Pem(int (*write)(BIO*, void*), void* obj, const char* what) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !write(bio.get(), obj)) Fail(std::string("PEM encoding of the ") + what);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Writes `text` to `path` with exactly `mode` (also when the file already existed).
void WriteFileMode(const std::string& path, const std::string& text, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) throw std::runtime_error("tls certificate: cannot write " + path + ": " +
                                       std::strerror(errno));
  bool ok = fchmod(fd, mode) == 0;
  size_t off = 0;
  while (ok && off < text.size()) {
    ssize_t w = write(fd, text.data() + off, text.size() - off);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) off += static_cast<size_t>(w);
  }
  int saved = errno;
  if (close(fd) != 0 && ok) ok = false, saved = errno;
  if (!ok) throw std::runtime_error("tls certificate: cannot write " + path + ": " +
                                    std::strerror(saved));
}

}  // namespace

TlsFiles WriteSelfSignedCert(const std::string& dir, const TlsCertOptions& opts) {
  // RFC 5280 appendix A: ub-common-name is 64.
  if (opts.hostname.empty() || opts.hostname.size() > 64)
    throw std::invalid_argument("tls certificate: hostname must be 1..64 octets");
  for (char c : opts.hostname)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'))
      throw std::invalid_argument("tls certificate: hostname '" + opts.hostname +
                                  "' is not a plain domain name");
  if (opts.valid_days <= 0) throw std::invalid_argument("tls certificate: valid_days must be > 0");

  PkeyPtr key = NewRsaKey();
  X509Ptr cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), 2)) Fail("X509_new");  // 2 = v3

  // A random positive 128-bit serial (RFC 5280 4.1.2.2: at most 20 octets, positive).
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) Fail("random serial");
  serial[0] &= 0x7f;
  serial[0] |= 0x40;
  BnPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    Fail("serial number");

  std::time_t now = opts.now != 0 ? opts.now : std::time(nullptr);
  // An hour of slack for clocks that differ; the run is over in days.
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &now) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), opts.valid_days, 0, &now))
    Fail("validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>(opts.hostname.c_str()),
                                  -1, -1, 0) ||
      !X509_set_issuer_name(cert.get(), name))
    Fail("subject name");
  if (!X509_set_pubkey(cert.get(), key.get())) Fail("public key");
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), NID_subject_alt_name, "DNS:" + opts.hostname);
  AddExtension(cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) Fail("signature");

  std::string cert_pem = Pem(
      [](BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }, cert.get(),
      "certificate");
  std::string key_pem = Pem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      key.get(), "private key");

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("tls certificate: cannot create " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0755);  // the peers' copies are made from here by root; cert is public
  TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
  WriteFileMode(files.key, key_pem, 0600);
  WriteFileMode(files.cert, cert_pem, 0644);
  return files;
}

}  // namespace mta::targets
