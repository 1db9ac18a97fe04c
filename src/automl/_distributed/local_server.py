"""A throw-away PostgreSQL server on 127.0.0.1, in a temporary directory, for trying a shared
search on one machine, and for the tests and benchmarks of one. It runs the server binaries of
the ``pgserver`` wheel (``pip install pgserver``) or of Debian's ``postgresql`` package; as
root it runs them as the user ``nobody``, since PostgreSQL refuses to run as root.

    python -m automl._distributed.local_server      # prints a URL; Ctrl-C stops and deletes it

Not for data that must last: ``trust`` authentication, fsync off.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: the user the server runs as when started by root (PostgreSQL refuses to run as root)
UNPRIVILEGED = "nobody"


def postgres_bin() -> Path | None:
    """The folder of the PostgreSQL server binaries: the ``pgserver`` wheel's, else Debian's
    newest; None when neither is installed."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)
    except ImportError:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
        return Path(found[-1]).parent if found else None


class PostgresServer:
    """A server made with ``initdb`` in a new temporary directory from the binaries in
    ``bin_dir``, on a free port of 127.0.0.1: :meth:`start` it, :meth:`stop` and start it again
    (an outage), :meth:`create_database`, and :meth:`remove` it with its files."""

    def __init__(self, bin_dir: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="automl-pg-"))
        self.root.chmod(0o755)
        self.user = UNPRIVILEGED if os.geteuid() == 0 else None
        if self.user is not None and bin_dir.parent.name == "pginstall":
            # the unprivileged user must reach the wheel's binaries and the libraries they
            # find by a relative path (../../../pgserver.libs): copy both where it can
            install, libs = bin_dir.parent, bin_dir.parent.parent.parent / "pgserver.libs"
            shutil.copytree(install, self.root / "pgserver" / "pginstall", symlinks=True)
            if libs.is_dir():
                shutil.copytree(libs, self.root / "pgserver.libs")
            subprocess.run(["chmod", "-R", "go+rX", str(self.root)], check=True)
            bin_dir = self.root / "pgserver" / "pginstall" / "bin"
        self.bin, self.data = bin_dir, self.root / "data"
        self.data.mkdir()
        if self.user is not None:
            shutil.chown(self.data, self.user)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        self.process: subprocess.Popen | None = None

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([str(self.bin / tool), *args], check=True, user=self.user,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-h", "127.0.0.1",
             "-p", str(self.port), "-k", str(self.data), "-F", "-c", "max_connections=200"],
            user=self.user, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while not self._accepts():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.root / "server.log").read_text()[-2000:])
            time.sleep(0.2)

    def _accepts(self) -> bool:
        import psycopg

        try:
            psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                            dbname="postgres", connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """Fast shutdown: open connections are cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(30)

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        """Stop the server and delete its files."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def main() -> None:
    """Start a server with a database ``automl``, print its URL, and remove it on Ctrl-C."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL binaries: pip install pgserver, or apt-get install "
                         "postgresql")
    server = PostgresServer(bin_dir)
    server.start()
    print(server.create_database("automl"), flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.remove()


if __name__ == "__main__":
    main()
