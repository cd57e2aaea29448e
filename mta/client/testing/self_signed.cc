// self_signed.cc: certificate generation for TLS tests (OpenSSL 3 APIs).
#include "mta/client/testing/self_signed.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace mta::client::testing {

SSL_CTX* NewSelfSignedServerCtx(const std::string& cn) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return nullptr;
  X509* cert = X509_new();
  SSL_CTX* ctx = nullptr;
  bool ok = cert != nullptr;
  if (ok) {
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    ok = X509_set_version(cert, 2) == 1 && X509_sign(cert, key, EVP_sha256()) > 0;
  }
  if (ok) {
    ctx = SSL_CTX_new(TLS_server_method());
    ok = ctx != nullptr && SSL_CTX_use_certificate(ctx, cert) == 1 &&
         SSL_CTX_use_PrivateKey(ctx, key) == 1;
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok && ctx != nullptr) {
    SSL_CTX_free(ctx);
    ctx = nullptr;
  }
  return ctx;
}

}  // namespace mta::client::testing
