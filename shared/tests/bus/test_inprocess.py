"""What only the embedded bus must show: a crashed process loses nothing it handed over."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.bus.inprocess_consumer import Settings
from warmflow_shared.bus.port import Subscription
from warmflow_shared.bus.sqlitelog import partition_for

from .support import Effects

CRASHING_PROCESS = textwrap.dedent(
    """
    import asyncio, os, sys
    from warmflow_shared.bus.inprocess import InProcessBus
    from warmflow_shared.bus.inprocess_consumer import Settings
    from warmflow_shared.bus.port import Subscription
    from warmflow_shared.events.envelope import Envelope

    async def main(path):
        async def handle(env):
            if env.data["seq"] == 3:
                os._exit(17)  # a crash: no stop, no commit, no close

        bus = InProcessBus(path, settings=Settings(lease_ttl=1.0))
        bus.subscribe(Subscription("g", ("t",), handle))
        await bus.start()
        await bus.publish("t", [Envelope("x.Y", 1, "p", "s", {"seq": n}) for n in range(10)])
        await asyncio.Event().wait()

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_a_crash_loses_nothing_and_redelivers_the_uncommitted(tmp_path: Path) -> None:
    path = tmp_path / "bus.sqlite"
    crashing = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASHING_PROCESS, str(path)
    )
    assert await asyncio.wait_for(crashing.wait(), 60) == 17

    effects = Effects()
    bus = InProcessBus(path, settings=Settings(poll_interval=0.05))
    bus.subscribe(Subscription("g", ("t",), effects.handle))
    await bus.start()
    try:
        await effects.wait_for(lambda: len(effects.counts) == 10)
    finally:
        await bus.stop()
    assert effects.by_subject["s"] == list(range(10))


def test_partitions_are_stable_across_processes() -> None:
    # crc32, not hash(): PYTHONHASHSEED must not move a subject to another partition.
    assert [partition_for(k, 3) for k in (b"a", b"b", b"subject-1", None)] == [0, 2, 0, 0]
