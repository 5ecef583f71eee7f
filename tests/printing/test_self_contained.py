"""printing/ ships in the store app without the server: it must not pull in the
core, the app, the local cache or Flet."""

import subprocess
import sys


def test_printing_imports_nothing_of_the_rest_of_backroom():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, printing; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert "printing.zpl" in loaded  # the package really was imported
    assert [m for m in loaded if m.split(".")[0] in {"oms_core", "app", "local_db", "flet"}] == []
