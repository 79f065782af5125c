#include "sim/report/csv.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace hwsim {

namespace {

// A cell a spreadsheet would run as a formula: text (not a number) that opens with = + - @, a tab or a carriage
// return (OWASP, "CSV Injection").
bool formula_like(std::string_view text) {
  if (text.empty()) return false;
  const char first = text.front();
  if (first != '=' && first != '+' && first != '-' && first != '@' && first != '\t' && first != '\r') return false;
  const std::string copy(text);
  char* end = nullptr;
  std::strtod(copy.c_str(), &end);
  return end != copy.c_str() + copy.size();  // "-5" and "+1e3" stay numbers
}

}  // namespace

void append_csv_cell(std::string& out, std::string_view text) {
  const bool formula = formula_like(text);
  const bool plain = !formula && std::none_of(text.begin(), text.end(),
                                              [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; });
  if (plain) {
    out += text;
    return;
  }
  out += '"';
  if (formula) out += '\'';  // shown as text, never evaluated
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
