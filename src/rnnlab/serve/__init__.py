"""The local web page of `rnnlab serve`: decipher, crack, train and explore BPTT in a browser.

server.py answers HTTP, api.py the quick requests, work.py the long ones (run as jobs, jobs.py);
the page itself (static/) ships in the package, loads nothing from anywhere else and needs no
build step.
"""

from rnnlab.serve.server import make_server

__all__ = ["make_server"]
