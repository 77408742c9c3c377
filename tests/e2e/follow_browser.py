"""A stand-in browser for `authward login --provider` (set as $BROWSER): follows the URL's redirects
with cookies, as a browser whose user has already agreed at the provider would."""

from __future__ import annotations

import sys

import httpx

if __name__ == "__main__":
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        answer = browser.get(sys.argv[1])
    sys.exit(0 if answer.status_code == 200 else 1)
