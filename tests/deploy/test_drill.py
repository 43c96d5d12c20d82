"""deploy/drill.sh: the production compose stack run for real with podman, through the
operator's journey of docs/operations.md, from nothing to a restored shop.

Slow the first time on a machine (debootstrap of the base image, about 5 minutes in
all); a few minutes once the base image and the wheels are cached. scripts/test.sh
installs podman, runc, podman-compose and debootstrap, so this never skips.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "decant-drill"


@pytest.mark.timeout(30 * 60)
def test_drill_serves_https_sells_backs_up_and_restores_the_shop_with_real_client_addresses():
    drill = subprocess.run(
        ["bash", str(ROOT / "deploy" / "drill.sh")],
        cwd=ROOT,
        env={**os.environ, "DECANT_DRILL_PROJECT": PROJECT},
        capture_output=True,
        text=True,
        timeout=25 * 60,
    )
    out = drill.stdout + drill.stderr
    print(out)  # the step times, in the test log
    assert drill.returncode == 0, out[-6000:]

    assert re.search(r"^drill: shop serving HTTPS after \d+s from nothing", out, re.M), out
    paid = re.search(r"^drill: order (PS\d{6}-\d+) paid$", out, re.M)
    assert paid, out
    address = re.search(
        r"^drill: client address real: (\S+) \(spoofed X-Forwarded-For 203\.0\.113\.66 ignored\)$",
        out,
        re.M,
    )
    assert address and address.group(1) not in ("203.0.113.66", "172.30.57.10"), out
    restored = re.search(
        r"^drill: order (PS\d{6}-\d+) restored: checksums equal \((\d+) tables\)$", out, re.M
    )
    assert restored and restored.group(1) == paid.group(1), out
    assert int(restored.group(2)) >= 10, out
    assert re.search(r"^drill: OK$", out, re.M), out

    # and it left nothing running behind it
    assert "cleaned up" in out
    left = subprocess.run(
        ["podman", "ps", "-aq", "--filter", f"label=io.podman.compose.project={PROJECT}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert left.stdout.strip() == ""
    volumes = subprocess.run(["podman", "volume", "ls", "-q"], capture_output=True, text=True)
    assert not [v for v in volumes.stdout.split() if v.startswith(f"{PROJECT}_")]
