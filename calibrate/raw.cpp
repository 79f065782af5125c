#include "calibrate/raw.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/core/errors.hpp"

namespace hwsim::calib {

namespace {

using Json = nlohmann::json;

// Reads fields of one JSON object, remembering where in the file it is, so a missing field names its place.
class Fields {
 public:
  Fields(const Json& j, std::string file, std::string path) : j_(j), file_(std::move(file)), path_(std::move(path)) {
    if (!j_.is_object()) fail("", "expected an object");
  }
  [[nodiscard]] double number(const std::string& key) const {
    const Json& v = at(key);
    if (!v.is_number()) fail(key, "expected a number");
    return v.get<double>();
  }
  [[nodiscard]] double number_or(const std::string& key, double fallback) const {
    return j_.contains(key) ? number(key) : fallback;
  }
  [[nodiscard]] std::string text_or(const std::string& key, const std::string& fallback) const {
    if (!j_.contains(key)) return fallback;
    if (!j_.at(key).is_string()) fail(key, "expected a string");
    return j_.at(key).get<std::string>();
  }
  [[nodiscard]] std::string text(const std::string& key) const {
    if (!j_.contains(key)) fail(key, "missing");
    return text_or(key, "");
  }
  [[nodiscard]] const Json& at(const std::string& key) const {
    if (!j_.contains(key)) fail(key, "missing");
    return j_.at(key);
  }
  [[nodiscard]] std::string child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw InputError(Diagnostic{{file_, 0, 0}, key.empty() ? path_ : child_path(key), message});
  }

 private:
  const Json& j_;
  std::string file_;
  std::string path_;
};

Timing read_timing(const Fields& f) {
  Timing t{f.number("median_s"), 0, 0, 0};
  t.min_s = f.number_or("min_s", t.median_s);
  t.max_s = f.number_or("max_s", t.median_s);
  t.repetitions = static_cast<int>(f.number_or("repetitions", 1));
  if (!(t.median_s > 0)) f.fail("median_s", "expected a positive time in seconds");
  return t;
}

template <class Read>
auto read_list(const Json& doc, const std::string& file, const std::string& key, Read read) {
  std::vector<decltype(read(std::declval<const Fields&>()))> out;
  if (!doc.contains(key)) return out;
  if (!doc.at(key).is_array()) throw InputError(Diagnostic{{file, 0, 0}, key, "expected a list"});
  for (std::size_t i = 0; i < doc.at(key).size(); ++i) {
    out.push_back(read(Fields(doc.at(key)[i], file, fmt::format("{}[{}]", key, i))));
  }
  return out;
}

TransferSample read_transfer(const Fields& f) {
  TransferSample s{f.text("kernel"), f.number("bytes"), read_timing(f)};
  if (!(s.bytes > 0)) f.fail("bytes", "expected a positive byte count");
  return s;
}

Json timing_json(const Timing& t) {
  return {{"median_s", t.median_s}, {"min_s", t.min_s}, {"max_s", t.max_s}, {"repetitions", t.repetitions}};
}

Json transfer_json(const TransferSample& s) {
  Json j = timing_json(s.time);
  j["kernel"] = s.kernel;
  j["bytes"] = s.bytes;
  return j;
}

}  // namespace

Timing summarize(std::vector<double> samples_s) {
  if (samples_s.empty()) return {};
  std::sort(samples_s.begin(), samples_s.end());
  const std::size_t n = samples_s.size();
  const double median = n % 2 ? samples_s[n / 2] : 0.5 * (samples_s[n / 2 - 1] + samples_s[n / 2]);
  return {median, samples_s.front(), samples_s.back(), static_cast<int>(n)};
}

RawMeasurements read_raw(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file);
  if (!in) throw InputError(Diagnostic{{name, 0, 0}, "", "cannot read the file"});
  std::stringstream text;
  text << in.rdbuf();
  Json doc;
  try {
    doc = Json::parse(text.str());
  } catch (const Json::parse_error& e) {
    throw InputError(Diagnostic{{name, 0, 0}, "", fmt::format("not valid JSON: {}", e.what())});
  }
  const Fields top(doc, name, "");
  if (top.text_or("format", "") != "hwsim-raw-1") {
    top.fail("format", "expected \"hwsim-raw-1\" (a file written by hwsim-probe or hwsim calibrate --cpu)");
  }
  RawMeasurements raw;
  const Fields dev(top.at("device"), name, "device");
  raw.device = {dev.text("kind"),
                dev.text("name"),
                dev.text_or("driver", ""),
                dev.text_or("cuda", ""),
                dev.text("date"),
                dev.text_or("host", ""),
                dev.text_or("compute_capability", ""),
                static_cast<int>(dev.number_or("threads", 0))};
  if (raw.device.kind != "gpu" && raw.device.kind != "cpu") dev.fail("kind", "expected \"gpu\" or \"cpu\"");
  raw.gemm = read_list(doc, name, "gemm", [](const Fields& f) {
    GemmSample s{f.text("dtype"), f.number("m"), f.number("n"), f.number("k"), read_timing(f), f.text_or("note", "")};
    if (!(s.m > 0 && s.n > 0 && s.k > 0)) f.fail("m", "expected positive m, n and k");
    return s;
  });
  raw.skipped = read_list(doc, name, "skipped", [](const Fields& f) {
    return Skipped{f.text("what"), f.text("reason")};
  });
  raw.memory = read_list(doc, name, "memory", read_transfer);
  raw.l2 = read_list(doc, name, "l2", read_transfer);
  raw.pcie = read_list(doc, name, "pcie", read_transfer);
  raw.p2p = read_list(doc, name, "p2p", read_transfer);
  if (doc.contains("launch")) raw.launch = read_timing(Fields(doc.at("launch"), name, "launch"));
  raw.power = read_list(doc, name, "power", [](const Fields& f) {
    PowerSample p{f.text("phase"),
                  f.number("seconds"),
                  f.number("energy_j"),
                  f.number_or("flop", 0),
                  f.number_or("bytes", 0),
                  f.number_or("sm_clock_hz", 0),
                  f.number_or("memory_clock_hz", 0)};
    if (!(p.seconds > 0)) f.fail("seconds", "expected a positive duration");
    return p;
  });
  if (doc.contains("notes")) {
    for (const auto& n : doc.at("notes")) {
      if (n.is_string()) raw.notes.push_back(n.get<std::string>());
    }
  }
  return raw;
}

std::string raw_to_json(const RawMeasurements& raw) {
  Json doc;
  doc["format"] = "hwsim-raw-1";
  const RawDevice& d = raw.device;
  doc["device"] = {{"kind", d.kind},
                   {"name", d.name},
                   {"driver", d.driver},
                   {"cuda", d.cuda},
                   {"date", d.date},
                   {"host", d.host},
                   {"compute_capability", d.compute_capability},
                   {"threads", d.threads}};
  doc["gemm"] = Json::array();
  for (const auto& g : raw.gemm) {
    Json j = timing_json(g.time);
    j["dtype"] = g.dtype;
    j["m"] = g.m;
    j["n"] = g.n;
    j["k"] = g.k;
    if (!g.note.empty()) j["note"] = g.note;
    doc["gemm"].push_back(j);
  }
  doc["skipped"] = Json::array();
  for (const auto& s : raw.skipped) doc["skipped"].push_back({{"what", s.what}, {"reason", s.reason}});
  for (const auto& [key, list] : {std::pair{"memory", &raw.memory}, std::pair{"l2", &raw.l2},
                                  std::pair{"pcie", &raw.pcie}, std::pair{"p2p", &raw.p2p}}) {
    doc[key] = Json::array();
    for (const auto& s : *list) doc[key].push_back(transfer_json(s));
  }
  if (raw.launch) doc["launch"] = timing_json(*raw.launch);
  doc["power"] = Json::array();
  for (const auto& p : raw.power) {
    doc["power"].push_back({{"phase", p.phase},
                            {"seconds", p.seconds},
                            {"energy_j", p.energy_j},
                            {"flop", p.flop},
                            {"bytes", p.bytes},
                            {"sm_clock_hz", p.sm_clock_hz},
                            {"memory_clock_hz", p.memory_clock_hz}});
  }
  doc["notes"] = raw.notes;
  return doc.dump(1) + "\n";
}

}  // namespace hwsim::calib
