#include "probes/apiserver/ca_info.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace netdoctor::probes {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

// RFC 2253-like, one line, the form `openssl x509 -subject -nameopt oneline` prints.
std::string name_line(const X509_NAME* name) {
  std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
  if (!out || X509_NAME_print_ex(out.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

}  // namespace

std::vector<std::string> certificate_subjects(const std::string& pem) {
  std::vector<std::string> out;
  if (pem.empty() || pem.size() > (1u << 22)) return out;
  std::unique_ptr<BIO, BioDeleter> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!in) return out;
  for (int i = 0; i < 64; ++i) {  // a bundle larger than this is not a service-account CA
    std::unique_ptr<X509, X509Deleter> cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(name_line(X509_get_subject_name(cert.get())));
  }
  ERR_clear_error();  // the end of the bundle leaves a "no start line" error behind
  return out;
}

}  // namespace netdoctor::probes
