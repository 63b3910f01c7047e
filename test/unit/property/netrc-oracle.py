"""Oracle for the netrc property test: CPython's netrc module on each file named on the command line.

Usage: python netrc-oracle.py FILE...  ->  JSON list on stdout, one {"ok": false} or {"ok": true, "hosts": [...]}
per file, hosts as [name, [login, account, password]] in the module's order.
"""

import json
import netrc
import sys


def parse(path):
    try:
        parsed = netrc.netrc(path)
    except netrc.NetrcParseError:
        return {"ok": False}
    return {"ok": True, "hosts": [[name, list(entry)] for name, entry in parsed.hosts.items()]}


json.dump([parse(path) for path in sys.argv[1:]], sys.stdout)
