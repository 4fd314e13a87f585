// An output stream that passes everything written to it on to another stream, made safe to show
// in a terminal on the way (core/text.h terminal_safe, newlines kept): for commands whose output
// is mostly text from outside (the node's rules and their comments, names from the inventory),
// so that no field is forgotten. A UTF-8 sequence split between two writes is kept until it is
// complete; what is left at the end is flushed when the stream is destroyed.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>

namespace netdoctor {

class TerminalSafeBuf : public std::streambuf {
 public:
  explicit TerminalSafeBuf(std::streambuf* target) : target_(target) {}
  ~TerminalSafeBuf() override;
  TerminalSafeBuf(const TerminalSafeBuf&) = delete;
  TerminalSafeBuf& operator=(const TerminalSafeBuf&) = delete;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  // Writes the complete part of what is pending (all of it when `all`).
  void drain(bool all);
  std::streambuf* target_;
  std::string pending_;
};

class TerminalSafeStream : public std::ostream {
 public:
  explicit TerminalSafeStream(std::ostream& target) : std::ostream(nullptr), buf_(target.rdbuf()) {
    rdbuf(&buf_);
  }

 private:
  TerminalSafeBuf buf_;
};

}  // namespace netdoctor
