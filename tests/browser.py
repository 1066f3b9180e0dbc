"""Headless Chromium from Debian's packages, driven by Selenium (its driver is Debian's
chromium-driver: nothing is downloaded from outside the package registries). If the
browser is missing, the test set-up installs it with apt-get, as CI's machine allows."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


# Test workers that need the browser at once install it one at a time: a second apt-get
# beside the first failed on dpkg's lock (a fresh machine's CI run, two workers).
INSTALL_LOCK = Path(tempfile.gettempdir()) / "kpi-engine-tests-chromium.lock"


def _installed() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def ensure_chromium() -> None:
    if _installed():
        return
    if shutil.which("apt-get") is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium chromium-driver")
    with INSTALL_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _installed():  # another worker installed it while this one waited
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # An apt-get of someone else's may hold dpkg's lock: wait for it, not fail.
        wait = ["-o", "DPkg::Lock::Timeout=600"]
        for cmd in (["apt-get", *wait, "update"],
                    ["apt-get", *wait, "install", "-y", "--no-install-recommends",
                     "chromium", "chromium-driver"]):
            done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                  timeout=1200)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(cmd)} failed: {done.stderr[-500:]}")


def start_chromium(width: int = 1280, height: int = 1600):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=en-US",
                # Nothing but loopback can be reached: names resolve nowhere and every
                # request would go to a proxy on a closed local port.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--proxy-server=http://127.0.0.1:9",  # loopback bypasses it
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def set_offline(driver, offline: bool) -> None:
    """Chromium's own network switch (DevTools): with it on, no request leaves the page."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1,
        "uploadThroughput": -1})


def wait_ready(driver, timeout: float = 30) -> int:
    """Wait until the page has drawn its charts (body[data-ready]); their number."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-ready')"))
    return int(driver.execute_script("return document.body.getAttribute('data-ready')"))
