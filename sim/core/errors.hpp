// Error types. Library code throws these; only main() maps them to exit codes (DESIGN.md: 2 = bad input).
// Contract: every message a user sees names the file, the 1-based line and column, the key path, and what
// was expected; several problems found in one pass are reported together.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hwsim {

struct SourceLocation {
  std::string file;  // as given by the user (relative paths stay relative); "<--set>" for command-line overrides
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown

  [[nodiscard]] std::string str() const;  // "file:line:col" or "file"
};

struct Diagnostic {
  SourceLocation where;
  std::string key_path;  // "memory.hbm.bandwidth"; empty when the message is about the whole file
  std::string message;

  // "file:12:5: memory.hbm.bandwidth: expected ...", control characters shown escaped (`printable`).
  [[nodiscard]] std::string str() const;
};

// The length of the UTF-8 sequence at text[i] (1..4), or 0 when the bytes there are not UTF-8 (a stray continuation
// byte, a lead byte C0, C1 or above F4, a sequence cut short). The YAML reader and `printable` both decode with it.
std::size_t utf8_length(std::string_view text, std::size_t i);

// `text` with control characters (C0, DEL, C1) and bytes that are not UTF-8 written as visible escapes (\x1B, \n,
// \u0085, \xC3), so that a message quoting a hostile name or path cannot drive the terminal it is printed on.
std::string printable(std::string_view text);

// Bad input: YAML files, scenario values, catalog references, command-line usage.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic) : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Collects diagnostics during validation (an identical one added again is kept once); throws them all at once. Only
// the first kMaxDiagnostics are kept (checking for repeats is linear, and nobody reads ten thousand messages); the
// rest are counted and reported as one line.
inline constexpr std::size_t kMaxDiagnostics = 100;
class Diagnostics {
 public:
  void add(SourceLocation where, std::string key_path, std::string message);
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t more_ = 0;
};

// The closest candidate by edit distance, or empty when nothing is close enough to be a likely typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hwsim
