// self_signed.h: a throw-away self-signed certificate and key made with OpenSSL APIs at
// test time (no files, no fixed keys in the tree), and a TLS server context using them.
//
//   SSL_CTX* ctx = NewSelfSignedServerCtx("sink.test");  ...  SSL_CTX_free(ctx);
#ifndef MTA_CLIENT_TESTING_SELF_SIGNED_H_
#define MTA_CLIENT_TESTING_SELF_SIGNED_H_

#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace mta::client::testing {

// A server SSL_CTX with a fresh P-256 key and a self-signed certificate for `cn`, valid
// for one day; nullptr on failure. The caller frees it with SSL_CTX_free.
SSL_CTX* NewSelfSignedServerCtx(const std::string& cn);

}  // namespace mta::client::testing

#endif  // MTA_CLIENT_TESTING_SELF_SIGNED_H_
