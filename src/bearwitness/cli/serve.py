"""`bearwitness serve`, `serve-intake` and `users`: the web apps and their accounts."""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import sys
from pathlib import Path

import typer

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, open_archive, read_secret
from bearwitness.errors import InputError
from bearwitness.services import keeping
from bearwitness.services import users as accounts
from bearwitness.services.archive import Archive

users_app = typer.Typer(help="Accounts of the web workbench.", no_args_is_help=True)

DEMO_ADMIN = "demo-admin"
DEMO_ADMIN_PASSWORD = "FICTIONAL demo admin password"  # nosec B105 # the demo's, FICTIONAL
DEMO_ADMIN_TOTP = "FICTIONALDEMOTOTPSECRETAAAAAAAAA"  # base32; FICTIONAL, for the demo only


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port``, or an InputError that names the port."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError):
        raise InputError(
            f"{host} is not an address this machine can listen on",
            hint="Give --host an address of this machine, e.g. 127.0.0.1.",
        ) from None
    server = socket.socket(family, kind, protocol)
    try:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(address)
        server.listen(2048)
    except OSError as error:
        server.close()
        if error.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is already in use",
                hint="Stop the program that is using it, or choose another port with --port.",
            ) from None
        if error.errno == errno.EACCES:
            raise InputError(
                f"no permission to listen on port {port}",
                hint="Ports below 1024 need administrator rights: choose another with --port.",
            ) from None
        raise InputError(
            f"cannot listen on {host} port {port}: {error.strerror}",
            hint="Check --host and --port.",
        ) from None
    return server


def address_of(server: socket.socket) -> str:
    host, port = server.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _run(app: object, server: socket.socket, *, connections: int) -> None:
    import uvicorn

    # No access log: the intake must not record who visits, and the workbench has no need.
    # Beyond `connections` at once, uvicorn answers 503; an idle kept-alive connection is
    # closed after 5 seconds (the apps' Guard limits how long a body may take).
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        access_log=False,
        server_header=False,
        log_level="warning",
        proxy_headers=False,
        limit_concurrency=connections,
        timeout_keep_alive=5,
    )
    uvicorn.Server(config).run(sockets=[server])


def _protect() -> None:
    """Keys unlocked in the browser live in this process: no core dump, no debugger, no swap."""
    console.print(
        f"Keys unlocked here: {keeping.protect_this_process()}", highlight=False, soft_wrap=True
    )


def serve(
    folder: Path = ARCHIVE_ARGUMENT,
    port: int = typer.Option(8080, min=0, max=65535, help="Port to listen on (0: any free one)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (put TLS in front)."),
    idle_lock: float = typer.Option(15.0, help="Minutes without use before it locks itself."),
    http_cookies: bool = typer.Option(
        False,
        "--http-cookies",
        help="Send the session cookie over plain HTTP too (only behind a TLS proxy or on "
        "loopback, e.g. Tor Browser on an onion address).",
    ),
    connections: int = typer.Option(100, min=1, help="Connections served at once; more get 503."),
    body_seconds: float = typer.Option(
        60.0,
        min=0.1,
        help="Seconds a request's body may take to arrive, plus one for every 32 KiB received.",
    ),
) -> None:
    """Start the team's workbench (opens locked; custodians unlock it in the browser)."""
    from bearwitness.web.workbench.app import create_workbench_app
    from bearwitness.web.workbench.state import WorkbenchSettings

    _protect()

    settings = WorkbenchSettings(
        idle_lock_seconds=idle_lock * 60, secure_cookies=not http_cookies, body_seconds=body_seconds
    )
    app = create_workbench_app(folder, settings)
    server = listen(host, port)
    typer.echo(f"Workbench for {folder}: {address_of(server)}  (Ctrl-C to stop)")
    _run(app, server, connections=connections)


def serve_intake(
    folder: Path = ARCHIVE_ARGUMENT,
    port: int = typer.Option(8081, min=0, max=65535, help="Port to listen on (0: any free one)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (a Tor onion service)."),
    fictional: bool = typer.Option(False, help="Mark every submission FICTIONAL (demos)."),
    rate: float = typer.Option(
        400.0,
        help="Submissions a second accepted, from everyone together (bursts up to twice that).",
    ),
    connections: int = typer.Option(
        32,
        min=1,
        help="Connections served at once; more get 503 "
        "(each may hold an upload of up to 110 MB in memory).",
    ),
    body_seconds: float = typer.Option(
        30.0,
        min=0.1,
        help="Seconds a request's body may take to arrive, plus one for every 32 KiB received.",
    ),
    image_megapixels: float = typer.Option(
        25.0,
        min=0.01,
        help="Largest image accepted, in megapixels (each gets a copy without metadata).",
    ),
    public_url: str = typer.Option(
        "",
        help="The address field phones reach this intake at (https://… or http://….onion), "
        "for the form URLs they are given; by default each request's own address.",
    ),
) -> None:
    """Start the anonymous source intake: it holds only the public key, and logs no visitor."""
    from bearwitness.services.intake_web import Limits
    from bearwitness.services.media import ImageLimits, ImageWork
    from bearwitness.web.source.app import IntakeSettings, create_intake_app

    if rate <= 0:
        raise InputError("--rate must be above 0", hint="Give submissions per second, e.g. 50.")
    images = ImageWork(ImageLimits(max_pixels=int(image_megapixels * 1_000_000)))
    settings = IntakeSettings(
        fictional=fictional,
        rate=rate,
        burst=max(1, int(rate * 2)),
        body_seconds=body_seconds,
        limits=Limits(images=images),
        public_url=public_url,
    )
    app = create_intake_app(folder, settings)
    server = listen(host, port)
    # Unwrapped, and flushed: `serve_demo` waits for this line.
    typer.echo(f"Source intake for {folder}: {address_of(server)}  (Ctrl-C to stop)")
    sys.stdout.flush()
    _run(app, server, connections=connections)


@users_app.command("add")
def add_user(
    folder: Path = ARCHIVE_ARGUMENT,
    username: str = typer.Argument(..., help="Lower-case letters, digits, '.', '_', '-'."),
    role: list[str] = typer.Option(
        ..., "--role", help=f"One or more of: {', '.join(accounts.ROLES)}."
    ),
    stdin: bool = typer.Option(False, "--stdin", help="Read the password from standard input."),
) -> None:
    """Create a workbench account (needs the archive unlocked; logged); prints its
    authenticator (TOTP) secret once. This is how the first account is made."""
    import pyotp

    with open_archive(folder) as archive:
        accounts.check_grant(archive, frozenset(role), by=None)  # before asking a password
        password = read_secret("Password for the new user", from_stdin=stdin, confirm=True)
        secret = accounts.add_user(archive, username, password, role)
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="BearWitness")
    console.print(
        f"Added {username} ({', '.join(sorted(role))}).\n"
        f"Authenticator secret (enter it in an authenticator app; shown once): "
        f"[bold]{secret}[/]\n{uri}"
    )


@users_app.command("roles")
def set_roles(
    folder: Path = ARCHIVE_ARGUMENT,
    username: str = typer.Argument(..., help="The account."),
    role: list[str] = typer.Option(..., "--role", help="Its roles from now on (repeat)."),
) -> None:
    """Replace an account's roles (needs the archive unlocked; logged)."""
    with open_archive(folder) as archive:
        accounts.set_roles(archive, username, role)
    console.print(f"{username} now has: {', '.join(sorted(set(role)))}.")


@users_app.command("list")
def list_users(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """List the workbench accounts and their roles."""
    with Archive.open(folder) as archive:
        for user in accounts.list_users(archive.engine):
            state = " (disabled)" if user.disabled else ""
            console.print(f"{user.username}: {', '.join(sorted(user.roles))}{state}")


def serve_demo(
    folder: Path, *, port: int = 8080, intake_port: int = 8081, host: str = "127.0.0.1"
) -> None:
    """Add the FICTIONAL demo admin, start the intake in its own process and the workbench here."""
    from bearwitness.services.demo import DEMO_PASSPHRASE, MARKER

    if not (folder / MARKER).is_file():
        raise InputError(
            f"{folder} is not a demo archive", hint="Build it with `bearwitness demo`."
        )
    _protect()  # before the demo's keys are first held here
    with Archive.open(folder) as archive:
        archive.unlock_with_passphrase(DEMO_PASSPHRASE)  # granting every role needs the keys
        accounts.add_user(
            archive,
            DEMO_ADMIN,
            DEMO_ADMIN_PASSWORD,
            list(accounts.ROLES),
            totp_secret=DEMO_ADMIN_TOTP,
        )
    from bearwitness.web.workbench.app import create_workbench_app
    from bearwitness.web.workbench.state import WorkbenchSettings

    # The demo listens on loopback over plain HTTP, where a Secure cookie is not kept
    # by every browser.
    app = create_workbench_app(folder, WorkbenchSettings(secure_cookies=False))
    server = listen(host, port)
    # `serve-intake` by this interpreter, beside the demo workbench: fixed arguments.
    intake = subprocess.Popen(  # nosec B603
        [
            sys.executable,
            "-m",
            "bearwitness.cli.main",
            "serve-intake",
            str(folder),
            "--port",
            str(intake_port),
            "--host",
            host,
            "--fictional",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert intake.stdout is not None
        announced = re.search(r"http://\S+/", intake.stdout.readline())  # once it listens
        if announced is None:  # it stopped, and said why
            intake.wait(timeout=10)
            raise InputError(
                f"the source intake did not start on port {intake_port}",
                hint="See its error above.",
            )
        # Plain text, unwrapped: the command below must stay copyable.
        typer.echo(
            f"\nWorkbench: {address_of(server)}   Source intake: {announced.group(0)}\n"
            f"Log in as {DEMO_ADMIN} / {DEMO_ADMIN_PASSWORD} (FICTIONAL, all roles).\n"
            f"One-time code: add the secret {DEMO_ADMIN_TOTP} to an authenticator app, or run\n"
            f"  {sys.executable} -c "
            f"\"import pyotp; print(pyotp.TOTP('{DEMO_ADMIN_TOTP}').now())\"\n"
            f"Unlock in the browser with the passphrase: {DEMO_PASSPHRASE}\n"
        )
        _run(app, server, connections=100)
    finally:
        intake.terminate()
        intake.wait(timeout=10)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("serve-intake")(serve_intake)
    app.add_typer(users_app, name="users")
