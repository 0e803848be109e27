"""The service worker caches the app shell: with the server gone, the app still opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.app import heading, open_screen, origin_of, screen_problems
from tests.support.load import gunicorn as serve

pytestmark = pytest.mark.browser

CONTROLLED = """
const done = arguments[arguments.length - 1];
navigator.serviceWorker.ready.then(async () => {
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  done(await caches.keys());
}).catch((error) => done(String(error)));
"""


def test_the_app_shell_opens_with_the_server_gone(
    app_config: dict[str, Any], phone: Any, tmp_path: Path
) -> None:
    with serve(app_config, tmp_path / "gunicorn.log", workers=1) as url:
        origin = origin_of(url)
        assert open_screen(phone, origin, "#/signin") == "Sign in"
        phone.set_script_timeout(60)
        caches = phone.execute_async_script(CONTROLLED)
        assert len(caches) == 1
        assert caches[0].startswith("fairfield-app-")
        assert screen_problems(phone) == []
    # The server has stopped: nothing answers on its port any more.
    phone.refresh()
    assert heading(phone) == "Sign in"
    phone.get(f"{origin}/app/#/forgot")
    assert heading(phone) == "Forgot your password"
    assert phone.execute_script("return !!navigator.serviceWorker.controller") is True
