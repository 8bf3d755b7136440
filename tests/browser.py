"""What the browser tests share: headless Chromium through Selenium, a local server, screenshots.

Uses Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them);
nothing is downloaded. :func:`require` skips the calling test module when they, or the Python
packages it needs, are missing, except in CI, where the module fails. The fixtures
``browser`` and ``shots`` reach every test through ``conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1366,900",
)  # fmt: skip


def _missing(modules: tuple[str, ...]) -> str:
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[review]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return ""


def require(*modules: str) -> None:
    """Skip the calling test module (in CI: fail it) without a browser or ``modules``."""
    missing = _missing(("selenium", "flask", "waitress", *modules))
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
        pytest.skip(missing, allow_module_level=True)


# The longest wait for a page (a wait ends as soon as the page shows what it waits for).
WAIT_SECONDS = 15


@contextmanager
def served(web: Any) -> Iterator[str]:
    """The web app ``web`` on a free local port, in a thread: its base URL."""
    from waitress import create_server

    # poll(), not select(): a socket closed by close() while the loop waits is reported to
    # the loop (POLLNVAL), where select() raised EBADF in the server's thread.
    server = create_server(web, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("CMR_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(driver: WebDriver, css: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait until the page shows ``css``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def click(driver: WebDriver, css: str, then: str, seconds: float = WAIT_SECONDS) -> None:
    """Click ``css`` and wait for the next page to show ``then`` (not the old page's)."""
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    # While the page changes, Chrome may answer a question about the old page's element
    # with an inspector error ("Node ... does not belong to the document") instead of a
    # stale-element error: ask again until it says stale.
    try:
        WebDriverWait(driver, seconds, ignored_exceptions=(WebDriverException,)).until(
            staleness_of(old)
        )
        wait(driver, then, seconds)
    except TimeoutException:  # say where the browser is, and what the page says
        raise AssertionError(f"clicked {css}, waited for {then}: {page_state(driver)}") from None


def page_state(driver: WebDriver) -> str:
    """The page's address and the start of its text (flash messages and errors come first)."""
    from selenium.webdriver.common.by import By

    try:
        text = " ".join(driver.find_element(By.TAG_NAME, "body").text.split())
    except Exception as exc:  # a diagnostic must not hide the failure
        text = f"(no text: {type(exc).__name__})"
    return f"at {driver.current_url}: {text[:600]}"


def shot(driver: WebDriver, folder: Path, name: str) -> None:
    """A screenshot of the whole page."""
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(900, min(int(height) + 40, 8000)))
    driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(1366, 900)
