#include "report/codes.h"

#include <ostream>

namespace netdoctor::report {

std::ostream& operator<<(std::ostream& out, const Code& code) {
  return out << code.name();
}

}  // namespace netdoctor::report
