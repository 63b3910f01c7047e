"""Oracle for slipway's W&B credential detection: asks the installed wandb SDK itself.

Usage: python wandb-oracle.py REQUEST.json  ->  JSON on stdout.

REQUEST is {"setups": [{"name", "env", "cwd"}], "urls": [str], "netrcs": [str]}:
- each setup runs in a forked child (fresh SDK singletons and session credentials) with exactly that environment
  and working directory, and resolves the server and credentials the way `wandb.login()` / `wandb.init()` do
  without a terminal: settings singleton -> HostUrl -> wbauth.authenticate_session(). Never contacts a server.
- each url is validated by wandb.Settings(base_url=...), plus urlsplit's netloc of the result.
- each netrc text is parsed by CPython's netrc module.
Keys appear in the JSON (the caller compares them) but nothing here prints them anywhere else.
"""

import json
import os
import sys
import tempfile


def resolve_setup(setup):
    """Runs in the forked child. Returns {status, kind?, key?, token_file?, base_url, error_type?, warnings}."""
    import wandb
    from wandb.errors import UsageError, term
    from wandb.sdk import wandb_setup
    from wandb.sdk.lib import wbauth

    warnings = []

    def record(message, *_args, **_kwargs):
        warnings.append(str(message))

    def ignore(*_args, **_kwargs):
        pass

    term.termwarn = record
    term.termerror = record
    term.termlog = ignore
    wandb.termwarn = record
    wandb.termerror = record
    wandb.termlog = ignore

    out = {"name": setup["name"], "base_url": None, "warnings": warnings}
    try:
        settings = wandb_setup.singleton().settings
        # As wandb_login._login() does when no host is passed.
        host = wbauth.HostUrl(settings.base_url, app_url=settings.app_url)
        out["base_url"] = host.url
        # As wandb_login._find_or_prompt_for_key() does; stdin/stderr are not terminals, so no prompt.
        auth = wbauth.authenticate_session(
            host=host,
            source="wandb.login()",
            no_offline=bool(settings.force),
            no_create=bool(settings.force),
            input_timeout=settings.login_timeout,
            relogin=bool(settings.relogin),
            verify=False,
            prompt=True,
        )
    except UsageError as e:
        if str(e).startswith("No API key configured"):
            out["status"] = "missing"
        else:
            out.update(status="error", error_type=type(e).__name__, error=str(e))
        return out
    except Exception as e:  # noqa: BLE001 - any exception means wandb.init() would fail
        out.update(status="error", error_type=type(e).__name__, error=str(e))
        return out

    if auth is None:
        out["status"] = "missing"
    elif isinstance(auth, wbauth.AuthApiKey):
        out.update(status="found", kind="api-key", key=auth.api_key)
    elif isinstance(auth, wbauth.AuthIdentityTokenFile):
        out.update(status="found", kind="identity-token", token_file=str(auth.path))
    else:
        out.update(status="error", error_type="unexpected auth " + type(auth).__name__)
    return out


def run_setup(setup):
    """Forks, runs resolve_setup in the child with the setup's env and cwd, returns its result."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_fd)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.environ.clear()
            os.environ.update(setup["env"])
            os.chdir(setup["cwd"])
            result = resolve_setup(setup)
        except BaseException as e:  # noqa: BLE001
            result = {"name": setup["name"], "status": "oracle-crash", "error_type": type(e).__name__}
        with os.fdopen(write_fd, "w") as f:
            json.dump(result, f)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data) if data else {"name": setup["name"], "status": "oracle-crash"}


def check_url(url):
    from urllib.parse import urlsplit

    import wandb

    try:
        base_url = wandb.Settings(base_url=url).base_url
    except Exception as e:  # noqa: BLE001
        return {"url": url, "ok": False, "error_type": type(e).__name__}
    return {"url": url, "ok": True, "base_url": base_url, "netloc": urlsplit(base_url).netloc}


def parse_netrc(text):
    import netrc

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=".netrc", delete=False) as f:
        f.write(text)
    try:
        parsed = netrc.netrc(f.name)
    except netrc.NetrcParseError:
        return {"ok": False}
    finally:
        os.unlink(f.name)
    hosts = [[name, list(entry)] for name, entry in parsed.hosts.items()]
    macros = [[name, lines] for name, lines in parsed.macros.items()]
    return {"ok": True, "hosts": hosts, "macros": macros}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    import wandb  # imported once, before forking, so each child starts warm

    result = {
        "version": wandb.__version__,
        "setups": [run_setup(s) for s in request.get("setups", [])],
        "urls": [check_url(u) for u in request.get("urls", [])],
        "netrcs": [parse_netrc(t) for t in request.get("netrcs", [])],
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
