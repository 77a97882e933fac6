"""A real nginx for the tests, configured from deploy/nginx/ (the production site and its proxy
headers) with only what a test machine must change: the ports, the certificate, the upstream,
the static folder. It runs as the current user with its own prefix, temp folders, pid file and
error log under a test's folder, in the foreground of a child process.

- `nginx_binary()`: the nginx executable, or None;
- `render_site(...)`: deploy/nginx/servicedesk.conf with the test's values (every replaced piece
  must be there: the template drifting away fails here, not silently);
- `Nginx(binary, folder, upstream_port, cert, key, port)`: a context manager starting it;
  `.url` is the https address, `.error_log()` its error log;
- `behind_nginx(trusted=True)`: the app's configuration as deployed behind it: its https
  address on a free port (which makes the cookies Secure) and DESK_TRUSTED_PROXIES=1.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
from pathlib import Path

from tests.helpers import free_port, wait_for

REPO = Path(__file__).resolve().parent.parent
DEPLOY_NGINX = REPO / "deploy" / "nginx"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def behind_nginx(trusted: bool = True) -> dict:
    """The configuration of a desk served by the `nginx_proxy` fixture (which listens on the
    port of BASE_URL): with `trusted`, the desk trusts that one proxy's X-Forwarded-*."""
    return {"BASE_URL": f"https://127.0.0.1:{free_port()}", "TRUSTED_PROXIES": int(trusted)}


def nginx_binary() -> str | None:
    debian = Path("/usr/sbin/nginx")  # not on a user's PATH
    return shutil.which("nginx") or (str(debian) if debian.exists() else None)


def render_site(
    *, cert, key, proxy_conf, upstream_port=8000, tls_port=443, redirect_port=80, loopback=False
) -> str:
    """The production site with the test's certificate, proxy include and, with `loopback`,
    the test's ports on 127.0.0.1 only (no IPv6 listeners) and the repo's static folder."""
    site = (DEPLOY_NGINX / "servicedesk.conf").read_text()
    replacements = {
        "/etc/ssl/servicedesk/fullchain.pem": str(cert),
        "/etc/ssl/servicedesk/privkey.pem": str(key),
        "/etc/nginx/servicedesk-proxy.conf": str(proxy_conf),
    }
    if loopback:
        replacements |= {
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
            "listen 80;": f"listen 127.0.0.1:{redirect_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
            "/srv/servicedesk/app/static/": f"{REPO / 'static'}/",
        }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/servicedesk.conf no longer has {old!r}"
        site = site.replace(old, new)
    if loopback:
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    return site


def main_config(folder: Path, site: Path) -> str:
    """nginx.conf around the site: foreground, one worker as the current user, everything it
    writes under `folder`, Debian's MIME types (the static files' Content-Type)."""
    temp = "".join(f" {name}_temp_path {folder / name};\n" for name in TEMP_PATHS)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    types = " include /etc/nginx/mime.types;\n" if Path("/etc/nginx/mime.types").exists() else ""
    return (
        f"daemon off;\n{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n{types} default_type application/octet-stream;\n"
        f" access_log {folder / 'access.log'};\n{temp} include {site};\n}}\n"
    )


class Nginx:
    """nginx terminating TLS on a free port of 127.0.0.1 and proxying to `upstream_port`."""

    def __init__(self, binary: str, folder: Path, upstream_port: int, cert, key, port=None):
        self.binary, self.folder = binary, Path(folder)
        self.port = port or free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.folder.mkdir(parents=True, exist_ok=True)
        proxy_conf = self.folder / "servicedesk-proxy.conf"
        shutil.copy(DEPLOY_NGINX / "servicedesk-proxy.conf", proxy_conf)
        site = self.folder / "site.conf"
        site.write_text(
            render_site(
                cert=cert,
                key=key,
                proxy_conf=proxy_conf,
                upstream_port=upstream_port,
                tls_port=self.port,
                redirect_port=free_port(),
                loopback=True,
            )
        )
        self.config = self.folder / "nginx.conf"
        self.config.write_text(main_config(self.folder, site))
        self.process = None

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"nginx stopped at start:\n{self.error_log()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def __enter__(self) -> Nginx:
        command = [self.binary, "-p", str(self.folder), "-e", str(self.folder / "error.log")]
        self.process = subprocess.Popen(
            [*command, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # everything goes to its error log
        )
        if not wait_for(self._answers, timeout=20):
            self.__exit__()
            raise AssertionError(f"nginx did not answer:\n{self.error_log()[-2000:]}")
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
