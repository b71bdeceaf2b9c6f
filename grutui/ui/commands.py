"""The command palette: every action of the workstation by its description."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from grutui.ui.help import key_label
from grutui.ui.keys import MAIN_KEYS


def _actions(provider: Provider) -> Iterator[tuple[str, str, str]]:
    """(description, keys, action) of the main screen's and the app's bindings; the app's
    own are named ``app.``, as the main screen's audio keys already are."""
    seen = set()
    for bindings, prefix in ((MAIN_KEYS, ""), (type(provider.app).BINDINGS, "app.")):
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action if "." in binding.action else prefix + binding.action
            if action not in seen:
                seen.add(action)
                yield binding.description, key_label(binding.key), action


class WorkstationCommands(Provider):
    """Lists every action; running one is the same as pressing its key."""

    async def _run(self, action: str) -> None:
        app = self.app
        await app.run_action(action, app.get_screen("main"))

    async def discover(self) -> Hits:
        for description, keys, action in _actions(self):
            yield DiscoveryHit(description, partial(self._run, action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, keys, action in _actions(self):
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self._run, action),
                    help=f"key: {keys}",
                )
