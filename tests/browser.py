"""Headless Chromium from Debian's packages, driven by Selenium (its driver is Debian's
chromium-driver: nothing is downloaded from outside the package registries). If the
browser is missing, the test set-up installs it with apt-get, as CI's machine allows."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium chromium-driver")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"],
                ["apt-get", "install", "-y", "--no-install-recommends", "chromium",
                 "chromium-driver"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
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
