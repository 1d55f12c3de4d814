"""Run every benchmarks/bench_*.py in turn (`make bench`); each prints its own figures."""
import subprocess
import sys
from pathlib import Path

failed = 0
for script in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
    print(f"\n### {script.name}", flush=True)
    failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
sys.exit(1 if failed else 0)
