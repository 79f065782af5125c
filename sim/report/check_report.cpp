#include "sim/report/check_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/plan/json_text.hpp"
#include "sim/report/html.hpp"
#include "sim/report/report.hpp"

namespace hwsim {

namespace {

// "$18.9M -> $19.2M (+1.59%)": a drift in the metric's own style (format_metric; the relative change carries what
// rounding hides).
std::string change_text(const Drift& d) {
  const std::string key = d.metric.substr(d.metric.rfind('/') + 1);
  const auto number = [&](std::optional<double> v) { return v ? format_metric(key, *v) : std::string("absent"); };
  std::string delta;
  if (d.before && d.after && *d.before != 0) delta = fmt::format(" ({:+.3g}%)", (*d.after / *d.before - 1) * 100);
  return fmt::format("{} -> {}{}", number(d.before), number(d.after), delta);
}

// "51,623 tokens/s vs min 50,000 tokens/s", "0.0497 s vs max 0.05 s", "$0.431 vs approx $0.40 +-5% (off +7.76%)": an
// expectation's outcome with the metric's value and bounds in its own style (format_metric).
std::string outcome_text(const ExpectationOutcome& o) {
  const Expectation& e = o.expectation;
  const std::string key = e.metric.substr(e.metric.rfind('/') + 1);
  std::vector<std::string> parts;
  // A bound missed by less than the rounding shows how far (the two texts could read alike).
  const auto bound = [&](const char* word, double limit, bool missed) {
    std::string text = fmt::format("{} {}", word, format_metric(key, limit));
    if (missed && limit != 0) text += fmt::format(" (off {:+.3g}%)", (o.actual / limit - 1.0) * 100);
    return text;
  };
  if (e.min) parts.push_back(bound("min", *e.min, o.actual < *e.min));
  if (e.max) parts.push_back(bound("max", *e.max, o.actual > *e.max));
  if (e.approx) {
    parts.push_back(fmt::format("approx {} +-{:.3g}% (off {:+.2f}%)", format_metric(key, *e.approx), e.tolerance * 100,
                                (o.actual / *e.approx - 1.0) * 100));
  }
  return fmt::format("{} vs {}", format_metric(key, o.actual), fmt::join(parts, ", "));
}

const InputChange* change_of(const BaselineComparison& b, const std::string& path) {
  for (const auto& c : b.changes) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

// "hw.dgx-h100.price: 300000 USD -> 330000 USD (hwmodels/catalog/nodes/dgx-h100.yaml:12)"
std::string input_text(const InputChange& c) {
  return fmt::format("{}: {} -> {} ({})", c.path, c.before ? c.before->value : "(absent)",
                     c.after ? c.after->value : "(absent)",
                     c.after    ? c.after->source
                     : c.before ? c.before->source
                                : "");
}

std::string cause_text(const BaselineComparison& b, const Cause& c) {
  const InputChange* ch = change_of(b, c.input);
  const std::string what = ch ? input_text(*ch) : c.input;
  if (c.share) return fmt::format("{:.1f}% {}", *c.share * 100, what);
  return fmt::format("?  {} [{}]", what, c.note);
}

std::string drift_detail(const BaselineComparison& b, const Drift& d) {
  std::string text =
      fmt::format("{} drifted {} beyond the relative tolerance {:g}\n", d.metric, change_text(d), d.tolerance);
  for (const auto& c : d.causes) text += "  " + cause_text(b, c) + "\n";
  if (d.unexplained)
    text += fmt::format("  {:.1f}% unexplained (interactions, or not revertible)\n", *d.unexplained * 100);
  if (!b.note.empty()) text += "  " + b.note + "\n";
  return text;
}

}  // namespace

std::string render_check_text(const std::vector<ScenarioCheck>& checks) {
  std::string out;
  bool all = true;
  for (const auto& s : checks) {
    all = all && s.passed();
    out += fmt::format("{} ({}): {} expectation(s)", s.scenario, s.file, s.expectations.size());
    if (s.baseline) out += fmt::format(", {} baselined metric(s)", s.baseline->compared.size());
    out += "\n";
    for (const auto& o : s.expectations) {
      out += fmt::format("  {}  {}  {}\n", o.passed ? "PASS" : "FAIL", o.expectation.metric, outcome_text(o));
    }
    if (!s.baseline_written.empty()) out += fmt::format("  baseline written: {}\n", s.baseline_written);
    if (!s.baseline) continue;
    const auto& b = *s.baseline;
    if (b.drifts.empty()) out += fmt::format("  PASS  baseline: {} metric(s) within tolerance\n", b.compared.size());
    for (const auto& d : b.drifts) {
      out += fmt::format("  DRIFT {}  {}  (tolerance {:g})\n", d.metric, change_text(d), d.tolerance);
      for (const auto& c : d.causes) out += "          " + cause_text(b, c) + "\n";
      if (d.unexplained) out += fmt::format("          {:.1f}% unexplained\n", *d.unexplained * 100);
    }
    if (!b.drifts.empty() && !b.note.empty()) out += "  note: " + b.note + "\n";
    if (!b.changes.empty()) {
      out += fmt::format("  {} input(s) changed since the baseline:\n", b.changes.size());
      for (const auto& c : b.changes) out += "    " + input_text(c) + "\n";
    }
  }
  const bool baselines =
      std::any_of(checks.begin(), checks.end(), [](const ScenarioCheck& s) { return s.baseline.has_value(); });
  const bool expectations_hold = std::all_of(checks.begin(), checks.end(), [](const ScenarioCheck& s) {
    return std::all_of(s.expectations.begin(), s.expectations.end(),
                       [](const ExpectationOutcome& o) { return o.passed; });
  });
  if (all) {
    out += baselines ? "all expectations hold, no drift from the baselines\n" : "all expectations hold\n";
  } else {
    out += expectations_hold ? "some plans FAILED: drift from the baselines\n" : "some expectations FAILED\n";
  }
  return out;
}

std::string render_check_markdown(const std::vector<ScenarioCheck>& checks) {
  const auto failed = std::count_if(checks.begin(), checks.end(), [](const ScenarioCheck& s) { return !s.passed(); });
  std::string out = failed == 0 ? fmt::format("## hwsim check: all {} plan(s) hold\n\n", checks.size())
                                : fmt::format("## hwsim check: {} of {} plan(s) FAILED\n\n", failed, checks.size());
  for (const auto& s : checks) {
    out += fmt::format("### {} {}: {}\n\n", s.passed() ? "PASS" : "FAIL", markdown_code(s.scenario),
                       markdown_text(s.file));
    if (!s.expectations.empty()) {
      out += "| | expectation | result |\n| --- | --- | --- |\n";
      for (const auto& o : s.expectations) {
        out += fmt::format("| {} | {} | {} |\n", o.passed ? "pass" : "**FAIL**", markdown_code(o.expectation.metric),
                           markdown_text(outcome_text(o)));
      }
      out += "\n";
    }
    if (!s.baseline) continue;
    const auto& b = *s.baseline;
    if (b.drifts.empty()) {
      out += fmt::format("Baseline: {} metrics within tolerance.\n\n", b.compared.size());
      continue;
    }
    out += fmt::format(
        "Baseline: **{} of {} metrics drifted**.\n\n| metric | baseline -> now | explained by |\n"
        "| --- | --- | --- |\n",
        b.drifts.size(), b.compared.size());
    for (const auto& d : b.drifts) {
      std::string causes;
      for (const auto& c : d.causes) causes += (causes.empty() ? "" : "<br>") + markdown_text(cause_text(b, c));
      if (d.unexplained)
        causes += fmt::format("{}{:.1f}% unexplained", causes.empty() ? "" : "<br>", *d.unexplained * 100);
      out += fmt::format("| {} | {} | {} |\n", markdown_code(d.metric), markdown_text(change_text(d)), causes);
    }
    out += "\n";
    if (!b.note.empty()) out += markdown_text(b.note) + "\n\n";
  }
  return out;
}

std::string render_check_json(const std::vector<ScenarioCheck>& checks) {
  nlohmann::ordered_json doc;
  doc["scenarios"] = nlohmann::ordered_json::array();
  bool all = true;
  const auto opt = [](std::optional<double> v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  for (const auto& s : checks) {
    all = all && s.passed();
    nlohmann::ordered_json j;
    j["scenario"] = s.scenario;
    j["file"] = s.file;
    j["passed"] = s.passed();
    j["expectations"] = nlohmann::ordered_json::array();
    for (const auto& o : s.expectations) {
      nlohmann::ordered_json e;
      e["metric"] = o.expectation.metric;
      if (o.expectation.min) e["min"] = *o.expectation.min;
      if (o.expectation.max) e["max"] = *o.expectation.max;
      if (o.expectation.approx) {
        e["approx"] = *o.expectation.approx;
        e["tolerance"] = o.expectation.tolerance;
      }
      e["actual"] = o.actual;
      e["passed"] = o.passed;
      j["expectations"].push_back(std::move(e));
    }
    if (!s.baseline_written.empty()) j["baseline_written"] = s.baseline_written;
    if (s.baseline) {
      const auto& b = *s.baseline;
      nlohmann::ordered_json bj;
      bj["compared"] = b.compared.size();
      bj["drifts"] = nlohmann::ordered_json::array();
      for (const auto& d : b.drifts) {
        nlohmann::ordered_json dj{
            {"metric", d.metric}, {"before", opt(d.before)}, {"after", opt(d.after)}, {"tolerance", d.tolerance}};
        dj["causes"] = nlohmann::ordered_json::array();
        for (const auto& c : d.causes) {
          nlohmann::ordered_json cj{{"input", c.input}, {"share", opt(c.share)}};
          if (!c.note.empty()) cj["note"] = c.note;
          dj["causes"].push_back(std::move(cj));
        }
        dj["unexplained"] = opt(d.unexplained);
        bj["drifts"].push_back(std::move(dj));
      }
      bj["changes"] = nlohmann::ordered_json::array();
      for (const auto& c : b.changes) {
        nlohmann::ordered_json cj{{"input", c.path}};
        cj["before"] = c.before ? nlohmann::ordered_json(c.before->value) : nlohmann::ordered_json();
        cj["after"] = c.after ? nlohmann::ordered_json(c.after->value) : nlohmann::ordered_json();
        cj["source"] = c.after ? c.after->source : c.before->source;
        bj["changes"].push_back(std::move(cj));
      }
      if (!b.note.empty()) bj["note"] = b.note;
      j["baseline"] = std::move(bj);
    }
    doc["scenarios"].push_back(std::move(j));
  }
  doc["passed"] = all;
  return json_text(doc) + "\n";
}

std::string render_check_junit(const std::vector<ScenarioCheck>& checks) {
  std::string suites;
  std::size_t tests = 0;
  std::size_t failures = 0;
  for (const auto& s : checks) {
    std::string cases;
    std::size_t n = 0;
    std::size_t failed = 0;
    for (const auto& o : s.expectations) {
      ++n;
      cases += fmt::format("    <testcase classname=\"{}.expect\" name=\"{}\">", html_escape(s.scenario),
                           html_escape(o.expectation.metric));
      if (!o.passed) {
        ++failed;
        const std::string detail = outcome_text(o);
        cases += fmt::format("<failure type=\"expectation\" message=\"{}\">{}</failure>", html_escape(detail),
                             html_escape(detail));
      }
      cases += "</testcase>\n";
    }
    if (s.baseline) {
      for (const auto& metric : s.baseline->compared) {
        ++n;
        cases += fmt::format("    <testcase classname=\"{}.baseline\" name=\"{}\">", html_escape(s.scenario),
                             html_escape(metric));
        const auto d = std::find_if(s.baseline->drifts.begin(), s.baseline->drifts.end(),
                                    [&](const Drift& x) { return x.metric == metric; });
        if (d != s.baseline->drifts.end()) {
          ++failed;
          cases += fmt::format("<failure type=\"drift\" message=\"{}\">{}</failure>", html_escape(change_text(*d)),
                               html_escape(drift_detail(*s.baseline, *d)));
        }
        cases += "</testcase>\n";
      }
    }
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n{}"
        "  </testsuite>\n",
        html_escape(s.scenario), n, failed, cases);
    tests += n;
    failures += failed;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hwsim check\" tests=\"{}\" "
      "failures=\"{}\" errors=\"0\">\n{}</testsuites>\n",
      tests, failures, suites);
}

}  // namespace hwsim
