#include "sim/cli/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <streambuf>
#include <vector>

#include "sim/core/errors.hpp"

namespace hwsim::cli {

namespace {

[[noreturn]] void refuse(const std::string& target, const std::string& why) {
  throw InputError(Diagnostic{{target, 0, 0}, "-o", why});
}

// The temporaries alive now, for the signal handler: fixed slots of plain characters (a handler may call only
// async-signal-safe functions: unlink, signal, raise), claimed and released with atomics.
constexpr std::size_t kSlots = 16;
constexpr std::size_t kPathBytes = 4096;
std::array<std::array<char, kPathBytes>, kSlots> g_paths{};
std::array<std::atomic<bool>, kSlots> g_used{};

int claim_slot(const std::string& path) {
  if (path.size() >= kPathBytes) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_used[i].compare_exchange_strong(expected, true)) {
      std::memcpy(g_paths[i].data(), path.c_str(), path.size() + 1);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void release_slot(const std::string& path) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (g_used[i].load() && path == g_paths[i].data()) g_used[i].store(false);
  }
}

extern "C" void on_interrupt(int sig) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (g_used[i].load()) ::unlink(g_paths[i].data());
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// An exclusively created file beside `target`: ".NAME.XXXXXX" in the target's directory (mkstemp: O_EXCL, mode 0600,
// a random suffix). Returns the descriptor and fills `path`.
int create_beside(const std::string& target, std::string& path) {
  const std::filesystem::path t(target);
  const std::filesystem::path dir = t.has_parent_path() ? t.parent_path() : std::filesystem::path(".");
  std::string name = ".";
  name += t.filename().string();
  name += ".XXXXXX";
  const std::string pattern = (dir / name).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) {
    refuse(target, fmt::format("cannot create a file in {}: {}", dir.string(), std::strerror(errno)));
  }
  path = buf.data();
  if (claim_slot(path) < 0) {
    ::close(fd);
    ::unlink(path.c_str());
    refuse(target, "too many output files open at once");
  }
  return fd;
}

}  // namespace

// A stream buffer over a file descriptor (the temporary's, never reopened by name). Outside the anonymous namespace:
// OutputFile::Impl holds one, and in a unity batch this file is an included one, where GCC warns of a member whose
// type has internal linkage (-Wsubobject-linkage).
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const char* p = pbase();
    while (p < pptr()) {
      const ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        error_ = n < 0 ? errno : EIO;
        setp(buffer_.data(), buffer_.data() + buffer_.size());
        return false;
      }
      p += n;
    }
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return true;
  }
  int fd_;
  bool failed_ = false;
  int error_ = 0;
  std::array<char, 1 << 16> buffer_{};
};

struct OutputFile::Impl {
  std::string target;     // the file replaced (a symbolic link resolved)
  std::string temporary;  // empty when writing directly (a device or FIFO)
  int fd = -1;
  mode_t mode = 0;
  bool committed = false;
  std::unique_ptr<FdBuffer> buffer;
  std::unique_ptr<std::ostream> stream;
};

OutputFile::OutputFile(const std::string& target) : impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path(target);
  if (fs::is_symlink(path, ec)) path = fs::weakly_canonical(path, ec);
  impl_->target = path.string();
  struct stat st {};
  if (::stat(impl_->target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) refuse(target, "is a directory");
    if (!S_ISREG(st.st_mode)) {
      // A device or FIFO: written in place (there is nothing to replace atomically).
      impl_->fd = ::open(impl_->target.c_str(), O_WRONLY | O_CLOEXEC);
      if (impl_->fd < 0) refuse(target, fmt::format("cannot open: {}", std::strerror(errno)));
    } else if (::access(impl_->target.c_str(), W_OK) != 0 || (st.st_mode & 0222) == 0) {
      // The mode bits too: root may write anything, but a file nobody may write is meant to stay as it is.
      refuse(target,
             "is read-only: hwsim does not replace a file it may not write (make it writable, or choose "
             "another path)");
    }
    impl_->mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    impl_->mode = 0666 & ~mask;
  }
  if (impl_->fd < 0) impl_->fd = create_beside(impl_->target, impl_->temporary);
  impl_->buffer = std::make_unique<FdBuffer>(impl_->fd);
  impl_->stream = std::make_unique<std::ostream>(impl_->buffer.get());
}

OutputFile::~OutputFile() {
  if (impl_->fd >= 0) ::close(impl_->fd);
  if (!impl_->committed && !impl_->temporary.empty()) remove_temporary(impl_->temporary);
}

std::ostream& OutputFile::stream() { return *impl_->stream; }

void OutputFile::commit() {
  impl_->stream->flush();
  const auto fail = [&](int error) {
    refuse(impl_->target, fmt::format("cannot write the output file: {}", std::strerror(error)));
  };
  if (impl_->buffer->failed() || !*impl_->stream) fail(impl_->buffer->error() != 0 ? impl_->buffer->error() : EIO);
  if (impl_->temporary.empty()) {
    impl_->committed = true;
    return;
  }
  if (::fchmod(impl_->fd, impl_->mode) != 0 || ::fsync(impl_->fd) != 0) fail(errno);
  ::close(impl_->fd);
  impl_->fd = -1;
  if (::rename(impl_->temporary.c_str(), impl_->target.c_str()) != 0) fail(errno);
  release_slot(impl_->temporary);
  impl_->committed = true;
}

void install_signal_cleanup() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }
}

std::string temporary_beside(const std::string& target) {
  std::string path;
  ::close(create_beside(target, path));
  return path;
}

void remove_temporary(const std::string& path) {
  ::unlink(path.c_str());
  release_slot(path);
}

}  // namespace hwsim::cli
