#include "sim/report/csv.hpp"

#include <algorithm>

namespace hwsim {

void append_csv_cell(std::string& out, std::string_view text) {
  const bool plain = std::none_of(text.begin(), text.end(), [](char c) { return c == ',' || c == '"' || c == '\n'; });
  if (plain) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string csv_cell(std::string_view text) {
  std::string out;
  append_csv_cell(out, text);
  return out;
}

}  // namespace hwsim
