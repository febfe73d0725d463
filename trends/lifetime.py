"""Child processes that never outlive the process that started them.

A `kill -9` gives its target no chance to stop its children: worker pools and a Prefect
server used to stay alive, hundreds of megabytes, with parent 1. So every long-lived child
watches the process it belongs to instead, from a thread: `watch_parent()` waits on a pidfd
of that process (Linux), which becomes readable the moment it exits, and then ends the child
(and, for a server, its whole process group). Not Linux's parent-death signal: it fires when
the *thread* that forked the child ends, and our pools are sometimes started from short-lived
threads. And not always the immediate parent: a forkserver's workers each hold the fork
server open, so they must watch the process that owns the pool (`owner`).

`python -m trends.lifetime MODULE ARGS...` runs a module (`prefect server start ...`) the same
way, so that a server that knows nothing of this ends with the command that started it.
"""

from __future__ import annotations

import os
import runpy
import select
import signal
import sys
import threading
import time

__all__ = ["POLL_S", "WATCH_ENV", "watch_parent", "watch_parent_if_asked"]

POLL_S = 0.25
# Set by `trends serve` for the flow runs Prefect starts for it (see flows/pipeline.py).
WATCH_ENV = "TRENDS_END_WITH_PARENT"
_WATCHING = 0     # the process whose parent is watched (a forked child starts unwatched)


def watch_parent(owner: int | None = None, *, group: bool = False,
                 grace_s: float = 5.0) -> None:
    """End this process as soon as `owner` (default: its parent) ends. With `group`, end its
    process group too (SIGTERM, then SIGKILL after `grace_s`): a server with children of its
    own. Safe to call more than once."""
    global _WATCHING
    owner = os.getppid() if owner is None else owner
    if _WATCHING == os.getpid() or owner == 1:
        # Watched already; or orphaned before this ran, or started by init on purpose.
        return
    _WATCHING = os.getpid()
    try:
        handle: int | None = os.pidfd_open(owner)
    except ProcessLookupError:
        _end(group, grace_s)          # it is gone already
        return
    except (AttributeError, OSError):
        handle = None                 # no pidfd here: poll instead
    thread = threading.Thread(target=_watch, args=(owner, handle, group, grace_s),
                              name="trends-watch-parent", daemon=True)
    thread.start()


def watch_parent_if_asked() -> None:
    """`watch_parent()` when the environment asks for it (WATCH_ENV is set)."""
    if os.environ.get(WATCH_ENV):
        watch_parent()


def _watch(owner: int, handle: int | None, group: bool, grace_s: float) -> None:
    if handle is not None:
        select.select([handle], [], [])        # readable once the owner has exited
    else:
        while os.getppid() == owner:
            time.sleep(POLL_S)
    _end(group, grace_s)


def _end(group: bool, grace_s: float) -> None:
    if group:
        try:
            os.killpg(os.getpgid(0), signal.SIGTERM)
        except OSError:
            pass
        time.sleep(grace_s)
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)
        except OSError:
            pass
    os._exit(1)


def _main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m trends.lifetime MODULE [ARGS...]")
    # A group of its own, so that ending it ends whatever it started too.
    if os.getpgid(0) != os.getpid():
        os.setpgid(0, 0)
    watch_parent(group=True)
    sys.argv = argv
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main(sys.argv[1:])
