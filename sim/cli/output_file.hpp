// Writing `-o FILE` (issue #16): the text goes to a temporary file created exclusively, with an unpredictable name,
// beside the target, and replaces the target by rename only once complete, so a reader never sees half a report.
// Contract: the temporary is removed on every error path, and on SIGINT, SIGTERM or SIGHUP (install_signal_cleanup);
// a directory, a target in a missing directory and a read-only file are refused as bad input; a symbolic link is
// followed (the file it names is replaced, the link stays); a device or FIFO (/dev/null, /dev/stdout) is written
// directly.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace hwsim::cli {

class OutputFile {
 public:
  explicit OutputFile(const std::string& target);  // throws InputError when the target cannot be written
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();  // removes the temporary unless commit() succeeded

  std::ostream& stream();
  // Flushes, gives the file the target's mode (or the usual 0666 less umask), and renames it over the target.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Removes the temporaries of OutputFile (and of `temporary_beside`) when the process is interrupted, then dies of
// the same signal. main() installs it once.
void install_signal_cleanup();

// A new empty file beside `target`, created exclusively under an unpredictable name and removed on interruption
// (the caller removes it when done, with `remove_temporary`). Throws InputError when none can be created.
std::string temporary_beside(const std::string& target);
void remove_temporary(const std::string& path);

}  // namespace hwsim::cli
