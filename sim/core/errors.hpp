// Error types. Library code throws these; only main() maps them to exit codes (DESIGN.md: 2 = bad input).
// Contract: every message a user sees names the file, the 1-based line and column, the key path, and what
// was expected; several problems found in one pass are reported together.
#pragma once

#include <stdexcept>
#include <string>
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

  [[nodiscard]] std::string str() const;  // "file:12:5: memory.hbm.bandwidth: expected ..."
};

// Bad input: YAML files, scenario values, catalog references, command-line usage.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic) : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Collects diagnostics during validation (an identical one added again is kept once); throws them all at once.
class Diagnostics {
 public:
  void add(SourceLocation where, std::string key_path, std::string message);
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

// The closest candidate by edit distance, or empty when nothing is close enough to be a likely typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hwsim
