"""Writing files so that nothing is lost: atomic replacement, unique temporary names, a lock.

Private (``dnacourse._files``), used by the data cache (``dnacourse.data``) and by checkpoints
(``dnacourse.train``). A shared classroom cache is written by several processes at once, and anyone
may have planted a link there, so:

* a file is written to a fresh temporary file **in the target's own folder** (``tempfile.mkstemp``:
  a new random name, created with ``O_EXCL``, so an existing file or symbolic link at that name is
  never opened or followed), then moved over the target with ``os.replace`` (atomic: a reader sees
  the old file or the new one, never half of one; a link at the target itself is replaced, not
  followed);
* ``file_lock(target)`` serialises the processes that make the same file (``fcntl.flock`` on a
  hidden ``.<name>.lock`` beside it, opened without following links, removed when released), so
  the second process waits and then finds the first one's verified file instead of making it again.
* ``writable_folder(folder)`` makes a folder and checks that it can be written to, making it again if
  a process that gave up removed it, empty, in the meantime.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     target = Path(folder) / "a.txt"
...     with file_lock(target):
...         _ = atomic_write(target, lambda fh: fh.write(b"hello"))
...     target.read_bytes(), sorted(p.name for p in Path(folder).iterdir())
(b'hello', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the atomic replacement alone keeps files whole
    fcntl = None

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_UMASK = os.umask(0o022)  # read the process's umask (and put it back at once): mkstemp makes 0600 files
os.umask(_UMASK)


def temporary_file(target: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``target`` (random name, ``O_EXCL``): ``(fd, path)``."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    return fd, Path(name)


def atomic_write(target, write: Callable) -> Path:
    """Make ``target`` with ``write(binary file object)``: a temporary file, then ``os.replace``.

    The folder is created if missing. If ``write`` fails the temporary file is removed and the old
    ``target`` (if any) is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_file(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def publish(tmp: Path, target: Path) -> None:
    """Move the finished temporary file ``tmp`` over ``target`` (atomic), readable like any new file."""
    os.chmod(tmp, 0o666 & ~_UMASK)
    os.replace(tmp, target)


def temporary_folder(target: Path) -> Path:
    """A new, empty folder beside ``target`` (random name), for tools that pick their own file name."""
    return Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))


@contextlib.contextmanager
def file_lock(target):
    """Hold an exclusive lock for making ``target`` (other processes wait; no-op without ``fcntl``).

    The lock is the hidden file ``.<name>.lock`` beside ``target``, opened without following a
    symbolic link (a link planted there raises ``OSError`` naming it) and removed on release. A
    process that waited on a lock file that was removed meanwhile opens the new one and waits again;
    if the folder itself is gone (a process that gave up removed it while empty), it is made again.
    """
    target = Path(target)
    if fcntl is None:
        yield
        return
    lock = target.parent / f".{target.name}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666)
        except FileNotFoundError:
            lock.parent.mkdir(parents=True, exist_ok=True)  # removed under us while empty: make it, try again
            continue
        except OSError as err:
            if lock.is_symlink():
                raise OSError(f"{lock} is a symbolic link, not a lock file: delete it and run again") from err
            raise
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.lstat(lock)
        except FileNotFoundError:
            current = None
        if current is not None and current.st_ino == os.fstat(fd).st_ino:
            break  # we hold the lock on the file that is at that name now
        os.close(fd)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)  # still holding it: a waiter then sees a removed file and retries
        os.close(fd)


def writable_folder(folder) -> Path:
    """Make ``folder`` (and its parents) and check that a file can be created in it; ``OSError`` if not.

    Another process that gave up may remove the folder while it is empty (``data.fetch`` leaves no
    empty folder behind), so a folder that vanishes before the check is made again, up to three times.
    """
    folder = Path(folder)
    for _ in range(3):
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError), tempfile.TemporaryFile(dir=folder):
            return folder
    raise FileNotFoundError(f"{folder} was removed three times while it was being made")
