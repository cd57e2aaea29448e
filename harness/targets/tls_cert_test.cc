// tls_cert_test.cc: the self-signed certificate of a managed run parses back, its key
// matches, CN and subjectAltName name the host, the validity window is as asked, the key
// file is 0600, and a TLS handshake (RFC 3207's TLS) succeeds with it over a BIO pair.
#include "harness/targets/tls_cert.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "harness/targets/process.h"

namespace mta::targets {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  std::string path = MakeRunDir("/tmp", "mtaspec-tls-test");
  ~TempDir() { RemoveTree(path); }
};

X509* ReadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

EVP_PKEY* ReadKey(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return k;
}

std::string CommonName(X509* x) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
  return buf;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TlsCert, ParsesBackWithMatchingKeyAndHostname) {
  TempDir d;
  TlsFiles f = WriteSelfSignedCert(d.path + "/tls", {"mx.local.test"});
  EXPECT_EQ(f.cert, d.path + "/tls/cert.pem");
  EXPECT_EQ(f.key, d.path + "/tls/key.pem");
  EXPECT_EQ(Slurp(f.cert).rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(Slurp(f.key).rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);  // unencrypted PKCS#8
  X509* x = ReadCert(f.cert);
  EVP_PKEY* k = ReadKey(f.key);
  ASSERT_NE(x, nullptr);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(X509_check_private_key(x, k), 1);
  EXPECT_EQ(EVP_PKEY_base_id(k), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_bits(k), 2048);
  EXPECT_EQ(X509_get_version(x), 2);  // v3
  EXPECT_EQ(CommonName(x), "mx.local.test");
  // Self-signed: issuer is the subject, and the signature verifies with its own key.
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)), 0);
  EXPECT_EQ(X509_verify(x, k), 1);
  EXPECT_EQ(X509_check_host(x, "mx.local.test", 0, 0, nullptr), 1);  // subjectAltName
  EXPECT_NE(X509_check_host(x, "other.local.test", 0, 0, nullptr), 1);
  // Valid now, and not after a few days.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(x)), 0);
  std::time_t week = std::time(nullptr) + 7 * 86400;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(x), &week), 0);
  EXPECT_EQ(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
  X509_free(x);
  EVP_PKEY_free(k);
}

TEST(TlsCert, FileModes) {
  TempDir d;
  TlsFiles f = WriteSelfSignedCert(d.path + "/a/b", {"local.test"});
  struct stat st {};
  ASSERT_EQ(stat(f.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
  ASSERT_EQ(stat(f.cert.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  ASSERT_EQ(stat((d.path + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  // A loose mode on an existing key file is tightened on rewrite.
  chmod(f.key.c_str(), 0666);
  WriteSelfSignedCert(d.path + "/a/b", {"local.test"});
  ASSERT_EQ(stat(f.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(TlsCert, FreshKeyAndSerialEachCall) {
  TempDir d;
  TlsFiles a = WriteSelfSignedCert(d.path + "/a", {"mx.local.test"});
  TlsFiles b = WriteSelfSignedCert(d.path + "/b", {"mx.local.test"});
  EXPECT_NE(Slurp(a.key), Slurp(b.key));
  X509* xa = ReadCert(a.cert);
  X509* xb = ReadCert(b.cert);
  ASSERT_TRUE(xa && xb);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(xa), X509_get0_serialNumber(xb)), 0);
  BIGNUM* sn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(xa), nullptr);
  EXPECT_FALSE(BN_is_negative(sn));  // RFC 5280 4.1.2.2
  EXPECT_LE(BN_num_bytes(sn), 20);
  BN_free(sn);
  X509_free(xa);
  X509_free(xb);
}

TEST(TlsCert, ValidityFollowsTheGivenClock) {
  TempDir d;
  const std::time_t t0 = 1700000000;  // 2023-11-14T22:13:20Z
  TlsFiles f = WriteSelfSignedCert(d.path, {"mx.local.test", 2, t0});
  X509* x = ReadCert(f.cert);
  ASSERT_NE(x, nullptr);
  std::time_t before = t0 - 3600 - 1, start = t0 - 3600 + 1;
  std::time_t end = t0 + 2 * 86400 - 1, after = t0 + 2 * 86400 + 1;
  EXPECT_GT(X509_cmp_time(X509_get0_notBefore(x), &before), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(x), &start), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x), &end), 0);
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(x), &after), 0);
  X509_free(x);
}

TEST(TlsCert, BadArgumentsAreRejected) {
  TempDir d;
  EXPECT_THROW(WriteSelfSignedCert(d.path, {""}), std::invalid_argument);
  EXPECT_THROW(WriteSelfSignedCert(d.path, {std::string(65, 'a')}), std::invalid_argument);
  EXPECT_THROW(WriteSelfSignedCert(d.path, {"mx.local.test/CN=x"}), std::invalid_argument);
  EXPECT_THROW(WriteSelfSignedCert(d.path, {"mx.local.test", 0}), std::invalid_argument);
  EXPECT_THROW(WriteSelfSignedCert("/proc/nonexistent/tls", {"mx.local.test"}),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(d.path + "/cert.pem"));
}

// Server and client SSL objects joined by a BIO pair; runs both handshakes to completion.
bool Handshake(const TlsFiles& f, std::string* cn_seen) {
  SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  bool ok = SSL_CTX_use_certificate_chain_file(sctx, f.cert.c_str()) == 1 &&
            SSL_CTX_use_PrivateKey_file(sctx, f.key.c_str(), SSL_FILETYPE_PEM) == 1 &&
            SSL_CTX_check_private_key(sctx) == 1;
  SSL* s = SSL_new(sctx);
  SSL* c = SSL_new(cctx);
  BIO *sb = nullptr, *cb = nullptr;
  BIO_new_bio_pair(&sb, 0, &cb, 0);
  SSL_set_bio(s, sb, sb);
  SSL_set_bio(c, cb, cb);
  SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  SSL_set_tlsext_host_name(c, "mx.local.test");
  bool sdone = false, cdone = false;
  for (int i = 0; ok && i < 100 && !(sdone && cdone); ++i) {
    if (!cdone) {
      int r = SSL_do_handshake(c);
      cdone = r == 1;
      if (r <= 0 && SSL_get_error(c, r) != SSL_ERROR_WANT_READ) ok = false;
    }
    if (!sdone) {
      int r = SSL_do_handshake(s);
      sdone = r == 1;
      if (r <= 0 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ) ok = false;
    }
  }
  ok = ok && sdone && cdone;
  if (ok) {
    X509* peer = SSL_get1_peer_certificate(c);
    if (peer) *cn_seen = CommonName(peer);
    X509_free(peer);
  }
  ERR_clear_error();
  SSL_free(s);
  SSL_free(c);
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
  return ok;
}

TEST(TlsCert, ServesATlsHandshake) {
  TempDir d;
  TlsFiles f = WriteSelfSignedCert(d.path, {"mx.local.test"});
  std::string cn;
  EXPECT_TRUE(Handshake(f, &cn));
  EXPECT_EQ(cn, "mx.local.test");
}

}  // namespace
}  // namespace mta::targets
