// The sweep page (sim/report/sweep_html.hpp): a section per workload whose Pareto front never mixes workloads (nor
// so training and inference tokens), axes with units and whole ticks on count inputs, a second varied input encoded
// as a colour ramp over panels per deployment. Tables are built by hand so that a mixed front would be visible.
#include <catch2/catch.hpp>

#include <cmath>
#include <regex>
#include <set>
#include <string>

#include "sim/report/sweep_html.hpp"

namespace {

// Two deployments x a count input (1..4) x a PUE input (1.1, 1.3); an inference workload `chat` and a training
// workload `train` whose tokens are cheaper and ten times as many: one front over both would hold training points only.
hwsim::SweepTable table() {
  hwsim::SweepTable t;
  t.scenario = "fixture";
  t.axes = {{"", "deployments.gpu.count", {"1", "2", "3", "4"}, 4}, {"", "facility.pue", {"1.1", "1.3"}, 2}};
  t.metrics = {"throughput_tokens_per_s", "usd_per_million_tokens", "devices", "time_to_train_s"};
  std::int64_t point = 0;
  for (std::size_t c = 0; c < 4; ++c) {
    for (std::size_t p = 0; p < 2; ++p, ++point) {
      const double n = static_cast<double>(c + 1);
      const double pue = p == 0 ? 1.1 : 1.3;
      for (const auto& [d, speed] : {std::pair{"gpu", 1000.0}, std::pair{"cpu", 40.0}}) {
        t.rows.push_back(
            {point, {c, p}, d, "chat", true, {speed * n, 0.5 * pue / speed * 1000, 8 * n, std::nan("")}, "inference"});
        t.rows.push_back(
            {point, {c, p}, d, "train", true, {speed * n * 10, 0.01 * pue, 8 * n, 86400 * 30 / n}, "training"});
      }
    }
  }
  return t;
}

// The page's text between "<h2>NAME" and the next section.
std::string section(const std::string& page, const std::string& name) {
  const auto at = page.find("<h2>" + name + " ");
  const auto end = page.find("<h2>", at + 4);
  return page.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::set<std::string> captures(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

}  // namespace

TEST_CASE("sweep page: a Pareto front per workload, never training and inference tokens in one front",
          "[sweep][html]") {
  const std::string page = hwsim::render_sweep_html(table());
  const std::string chat = section(page, "chat");
  const std::string train = section(page, "train");
  CHECK(chat.find("(inference)") != std::string::npos);
  CHECK(train.find("(training)") != std::string::npos);
  // The front's table of each section lists only its own workload's figures: chat's fastest point is 4,000 tokens/s,
  // train's 40,000 tokens/s.
  const auto chat_front = captures(chat, R"(<td>([0-9,.]+ tokens/s)</td>)");
  const auto train_front = captures(train, R"(<td>([0-9,.]+ tokens/s)</td>)");
  CHECK(chat_front.count("4,000 tokens/s") == 1);
  CHECK(chat_front.count("40,000 tokens/s") == 0);
  CHECK(train_front.count("40,000 tokens/s") == 1);
  CHECK(train_front.count("4,000 tokens/s") == 0);
}

TEST_CASE("sweep page: axes carry units, count axes whole ticks, the second input a colour ramp", "[sweep][html]") {
  const std::string page = hwsim::render_sweep_html(table());
  CHECK(page.find(">throughput, tokens/s<") != std::string::npos);
  CHECK(page.find(">USD per million tokens (output; trained for training)<") != std::string::npos);
  CHECK(page.find(">time to train, days<") != std::string::npos);
  CHECK(page.find(">deployments.gpu.count<") != std::string::npos);  // x: the input with the most values
  CHECK(page.find("e+0") == std::string::npos);
  // Tick labels: count inputs and the devices metric only ever whole numbers.
  const auto ticks = captures(page, R"(class="tick">([^<]*)</text>)");
  for (const std::string& t : ticks) {
    INFO(t);
    CHECK(t.find("e+") == std::string::npos);
  }
  CHECK(ticks.count("1.5") == 0);  // the count axis 1..4 is never split in halves
  CHECK(ticks.count("2.5") == 0);
  // facility.pue encoded as colour: a legend naming it and its values, a panel per deployment.
  CHECK(page.find("facility.pue: ") != std::string::npos);
  CHECK(page.find("</span>1.1</span>") != std::string::npos);
  CHECK(page.find("</span>1.3</span>") != std::string::npos);
  CHECK(page.find(">gpu</text>") != std::string::npos);
  CHECK(page.find(">cpu</text>") != std::string::npos);
}
