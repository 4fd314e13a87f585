#include "core/safe_stream.h"

#include "core/text.h"

namespace netdoctor {
namespace {

// Written on in pieces of about this size, so that a long output streams.
constexpr std::size_t kChunk = 4096;

}  // namespace

TerminalSafeBuf::~TerminalSafeBuf() {
  drain(true);
  target_->pubsync();
}

TerminalSafeBuf::int_type TerminalSafeBuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  pending_ += traits_type::to_char_type(c);
  if (pending_.size() >= kChunk) drain(false);
  return c;
}

std::streamsize TerminalSafeBuf::xsputn(const char* s, std::streamsize n) {
  pending_.append(s, static_cast<std::size_t>(n));
  if (pending_.size() >= kChunk) drain(false);
  return n;
}

int TerminalSafeBuf::sync() {
  drain(false);
  return target_->pubsync();
}

void TerminalSafeBuf::drain(bool all) {
  const std::size_t n = all ? pending_.size() : complete_utf8_prefix(pending_);
  if (n == 0) return;
  const std::string safe = terminal_safe(std::string_view(pending_).substr(0, n), true);
  target_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
  pending_.erase(0, n);
}

}  // namespace netdoctor
