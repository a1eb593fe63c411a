import subprocess
import sys

import rnnlab


def test_every_public_name_resolves():
    for name in rnnlab.__all__:
        assert getattr(rnnlab, name) is not None, name


def test_importing_rnnlab_and_the_exact_wing_does_not_import_torch():
    code = "import sys, rnnlab, rnnlab.exact, rnnlab.text; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
