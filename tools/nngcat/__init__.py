"""nngkit's nngcat: a command-line tool for the Scalability Protocols.

Meant as a drop-in for NNG's ``nngcat`` (same flags, output bytes and exit
codes), built only on the public ``nngkit`` API.  Not implemented yet: see
issue 4.  Until then the real tool is Debian's ``/usr/bin/nngcat``.
"""
