#include "cli/report_access.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <mutex>
#include <unordered_map>

#include "core/fd.h"

namespace netdoctor::cli {

namespace {

using Clock = std::chrono::steady_clock;
using Digest = std::array<unsigned char, 32>;

constexpr std::size_t kMaxTokenBytes = 64 * 1024;
constexpr const char* kText = "text/plain; charset=utf-8";

Digest sha256(std::string_view data) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// The token in the file and the file's stat, or why it cannot be used.
Result<std::string> read_token(const std::string& path, struct stat& st) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(errno, "cannot read the report token file \"" + path + "\"");
  if (::fstat(fd.get(), &st) != 0) {
    return fail_errno(errno, "cannot read the report token file \"" + path + "\"");
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(errno, "cannot read the report token file \"" + path + "\"");
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxTokenBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "the report token file \"" + path + "\" is larger than 64 KiB");
    }
  }
  const std::string_view token = trim(text);
  if (token.empty()) {
    return fail(ErrorCode::kInvalidInput, "the report token file \"" + path + "\" is empty");
  }
  return std::string(token);
}

HttpReply unauthorized(bool token_given) {
  HttpReply r{401, kText, "", {}};
  if (token_given) {
    r.body = "unauthorized: the bearer token was not accepted\n";
    r.headers = {{"WWW-Authenticate", R"(Bearer realm="netdoctor", error="invalid_token")"}};
  } else {
    r.body = "unauthorized: /report.json needs a bearer token (Authorization: Bearer TOKEN)\n";
    r.headers = {{"WWW-Authenticate", R"(Bearer realm="netdoctor")"}};
  }
  return r;
}

HttpReply unavailable(const std::string& why) {
  return {503, kText, "cannot check the token now: " + why + "\n", {{"Retry-After", "5"}}};
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) {
      return std::nullopt;
    }
  }
  if (authorization[kScheme.size()] != ' ' && authorization[kScheme.size()] != '\t') {
    return std::nullopt;
  }
  const std::string_view token = trim(authorization.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

// ---- TokenFile ----

struct TokenFile::State {
  std::string path;
  std::ostream* log = nullptr;
  std::mutex mutex;
  struct stat seen {};
  bool usable = false;
  Digest digest{};
  std::string last_error;

  void load() {
    struct stat st {};
    auto token = read_token(path, st);
    if (!token) {
      // Remember the stat of what failed, so that a file still unreadable is not re-read
      // on every request; a change makes it read again.
      if (::stat(path.c_str(), &st) != 0) st = {};
      seen = st;
      usable = false;
      const std::string why = token.error().message();
      if (log != nullptr && why != last_error) {
        *log << "netdoctor serve: " << why << ": /report.json refuses every token until it is "
             << "fixed" << std::endl;
      }
      last_error = why;
      return;
    }
    if (log != nullptr && (usable || !last_error.empty())) {
      *log << "netdoctor serve: the report token file \"" << path << "\" changed: read again"
           << std::endl;
    }
    seen = st;
    usable = true;
    last_error.clear();
    digest = sha256(*token);
  }
};

TokenFile::TokenFile(std::unique_ptr<State> state) : state_(std::move(state)) {}
TokenFile::~TokenFile() = default;

Result<std::unique_ptr<TokenFile>> TokenFile::open(const std::string& path, std::ostream* log) {
  auto state = std::make_unique<State>();
  state->path = path;
  struct stat st {};
  auto token = read_token(path, st);
  if (!token) return tl::unexpected(token.error());
  state->seen = st;
  state->usable = true;
  state->digest = sha256(*token);
  state->log = log;
  return std::unique_ptr<TokenFile>(new TokenFile(std::move(state)));
}

TokenFile::Match TokenFile::match(std::string_view token) {
  // Hashing both sides first makes the comparison's time independent of the token's length
  // as well as of its content.
  const Digest presented = sha256(token);
  std::lock_guard<std::mutex> lock(state_->mutex);
  struct stat now {};
  if (::stat(state_->path.c_str(), &now) != 0) now = {};
  if (!same_file(now, state_->seen)) state_->load();
  if (!state_->usable) return Match::kUnavailable;
  return CRYPTO_memcmp(presented.data(), state_->digest.data(), presented.size()) == 0 ? Match::kYes
                                                                                       : Match::kNo;
}

// ---- ReportAccess ----

struct ReportAccess::State {
  ReportAccessOptions options;
  std::unique_ptr<TokenFile> token_file;

  struct Cached {
    Clock::time_point expires;
    Review review;
  };
  std::mutex mutex;
  std::unordered_map<std::string, Cached> cache;  // key: the token's SHA-256
  std::string last_failure;
  Clock::time_point last_failure_at{};

  std::optional<Review> cached(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it == cache.end()) return std::nullopt;
    if (it->second.expires <= Clock::now()) {
      cache.erase(it);
      return std::nullopt;
    }
    return it->second.review;
  }

  void remember(const std::string& key, const Review& review) {
    const auto now = Clock::now();
    const auto ttl =
        review.verdict == Verdict::kAllowed ? options.allowed_for : options.refused_for;
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= options.cache_entries) {
      std::erase_if(cache, [&](const auto& e) { return e.second.expires <= now; });
    }
    while (!cache.empty() && cache.size() >= options.cache_entries) {
      auto oldest = cache.begin();
      for (auto it = cache.begin(); it != cache.end(); ++it) {
        if (it->second.expires < oldest->second.expires) oldest = it;
      }
      cache.erase(oldest);
    }
    if (options.cache_entries > 0) cache[key] = {now + ttl, review};
  }

  // One line per distinct failure, and the same again at most once a minute. Failures differ
  // by more than their numbers (curl says "after 3 ms", then "after 0 ms").
  void failed(const std::string& why) {
    if (options.log == nullptr) return;
    std::string key;
    for (char c : why) {
      const bool digit = c >= '0' && c <= '9';
      if (!digit || key.empty() || key.back() != '#') key += digit ? '#' : c;
    }
    std::lock_guard<std::mutex> lock(mutex);
    const auto now = Clock::now();
    if (key == last_failure && now - last_failure_at < std::chrono::minutes(1)) return;
    last_failure = key;
    last_failure_at = now;
    *options.log << "netdoctor serve: /report.json: cannot review a token: " << why << std::endl;
  }

  HttpReply reply(const Review& review, const std::function<HttpReply()>& report) const {
    switch (review.verdict) {
      case Verdict::kAllowed:
        return report();
      case Verdict::kForbidden:
        return {403,
                kText,
                "forbidden: user \"" + review.username + "\" may not " +
                    cli::describe(options.resource) + "\n",
                {}};
      case Verdict::kUnauthenticated:
        break;
    }
    return unauthorized(true);
  }

  HttpReply review_now(const std::string& token, const std::string& key,
                       const std::function<HttpReply()>& report, std::stop_token stop) {
    auto config = options.api_server();
    if (!config) {
      failed(config.error().message());
      return unavailable("no API server to review it (see serve's log)");
    }
    auto r = review(*config, token, options.resource, options.review_timeout, stop);
    if (!r) {
      failed(r.error().message());
      return unavailable("the API server's review failed (see serve's log)");
    }
    remember(key, *r);
    return reply(*r, report);
  }
};

ReportAccess::ReportAccess(std::unique_ptr<State> state) : state_(std::move(state)) {}
ReportAccess::~ReportAccess() = default;

Result<std::unique_ptr<ReportAccess>> ReportAccess::create(ReportAccessOptions options) {
  auto state = std::make_unique<State>();
  if (options.mode == ReportAuthMode::kToken) {
    auto file = TokenFile::open(options.token_file, options.log);
    if (!file) return tl::unexpected(file.error());
    state->token_file = std::move(*file);
  }
  state->options = std::move(options);
  return std::unique_ptr<ReportAccess>(new ReportAccess(std::move(state)));
}

HttpAnswer ReportAccess::answer(const HttpRequest& request,
                                const std::function<HttpReply()>& report) {
  State& s = *state_;
  switch (s.options.mode) {
    case ReportAuthMode::kOff:
      return HttpReply{404, kText, "/report.json is off: " + s.options.off_reason + "\n", {}};
    case ReportAuthMode::kNone:
      return report();
    case ReportAuthMode::kToken: {
      const auto token = bearer_token(request.authorization);
      if (!token) return unauthorized(false);
      switch (s.token_file->match(*token)) {
        case TokenFile::Match::kYes:
          return report();
        case TokenFile::Match::kNo:
          return unauthorized(true);
        case TokenFile::Match::kUnavailable:
          break;
      }
      return unavailable("the report token file cannot be read (see serve's log)");
    }
    case ReportAuthMode::kKube:
      break;
  }
  const auto token = bearer_token(request.authorization);
  if (!token) return unauthorized(false);
  const Digest d = sha256(*token);
  std::string key(reinterpret_cast<const char*>(d.data()), d.size());
  if (auto hit = s.cached(key)) return s.reply(*hit, report);
  return HttpDeferred([&s, token = std::string(*token), key = std::move(key), report](
                          std::stop_token stop) { return s.review_now(token, key, report, stop); });
}

std::string ReportAccess::describe() const {
  const auto& o = state_->options;
  switch (o.mode) {
    case ReportAuthMode::kOff:
      return "off (" + o.off_reason + ")";
    case ReportAuthMode::kNone:
      return "open to anyone (--report-auth none)";
    case ReportAuthMode::kToken:
      return "bearer token of \"" + o.token_file + "\"";
    case ReportAuthMode::kKube:
      break;
  }
  return "bearer token reviewed by the API server (TokenReview, then SubjectAccessReview: " +
         cli::describe(o.resource) + ")";
}

}  // namespace netdoctor::cli
