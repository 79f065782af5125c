# %% [markdown]
# # What does electricity cost do to $/M tokens? (a notebook-style hwsim example)
#
# The 1 MW claim of `scenarios/dgx-h100-vs-altra-1mw.yaml` (60 DGX H100 versus 2400 Ampere Altra servers serving
# Mistral-7B) swept over the electricity price at two PUEs, and plotted. Cells are marked `# %%` (VS Code, Jupytext
# and Spyder run them one by one); as a script it writes the figure to the file named by its first argument, or by
# HWSIM_PLOT, or `sweep_plot.png`:
#
#     PYTHONPATH=build/python /usr/bin/python3 examples/python/sweep_plot.py sweep.png

# %%
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed: the figure goes to a PNG
import matplotlib.pyplot as plt

import hwsim

# The repository root: where this file lives, or the working directory in a notebook (where __file__ is not set).
ROOT = Path(__file__).resolve().parents[2] if "__file__" in globals() else Path.cwd()
SCENARIO = ROOT / "scenarios" / "dgx-h100-vs-altra-1mw.yaml"
OUT = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else
           os.environ.get("HWSIM_PLOT", "sweep_plot.png"))

# %% [markdown]
# ## The sweep: 16 electricity prices x 2 PUEs, every deployment
# Axes take the CLI's `--vary` syntax: a list of values, or `LO..HI UNIT:N`. Each row is one point x
# deployment/workload with the varied inputs (as text) and every metric, exactly as `hwsim sweep --format json`.

# %%
rows = hwsim.sweep(SCENARIO, vary={"facility.pue": [1.0, 1.3], "facility.electricity": "0.05..0.20 USD/kWh:16"},
                   threads=2)
print(f"{len(rows)} rows; first: {rows[0]['deployment']}, {rows[0]['inputs']}, "
      f"{rows[0]['metrics']['usd_per_million_tokens']:.3f} USD/M tokens")

# %%
# Series per (deployment, PUE): electricity price (USD/kWh) against $/M tokens and facility power.
series = {}
for r in rows:
    if not r["fits"]:
        continue
    price = float(r["inputs"]["facility.electricity"].split()[0])  # "0.05 USD/kWh"
    key = (r["deployment"], r["inputs"]["facility.pue"])
    m = r["metrics"]
    series.setdefault(key, []).append((price, m["usd_per_million_tokens"], m["facility_power_w"] / 1e6))

# %% [markdown]
# ## The plot

# %%
fig, (cost, power) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
colors = {}
for (deployment, pue), points in sorted(series.items()):
    points.sort()
    color = colors.setdefault(deployment, f"C{len(colors)}")
    style = "-" if float(pue) == 1.0 else "--"
    label = f"{deployment}, PUE {pue}"
    cost.plot([p[0] for p in points], [p[1] for p in points], style, color=color, label=label)
    power.plot([p[0] for p in points], [p[2] for p in points], style, color=color, label=label)
cost.set_xlabel("electricity price (USD/kWh)")
cost.set_ylabel("cost per million output tokens (USD, log scale)")
cost.set_yscale("log")  # GPUs and CPUs differ by orders of magnitude here
cost.set_title("USD per million tokens (4-year TCO)")
power.set_xlabel("electricity price (USD/kWh)")
power.set_ylabel("facility power (MW)")
power.set_title("facility power at the modelled load")
for ax in (cost, power):
    ax.grid(alpha=0.3)
cost.legend(fontsize=8)
fig.suptitle(f"hwsim {hwsim.__version__}: {SCENARIO.name}")
fig.savefig(OUT, dpi=120)
print(f"wrote {OUT}")

# %% [markdown]
# ## The same rows as a DataFrame (when pandas is installed)

# %%
try:
    frame = hwsim.to_frame(rows)
except ImportError:
    frame = None
if frame is not None:
    print(frame[["facility.pue", "facility.electricity", "deployment", "usd_per_million_tokens"]].head())
