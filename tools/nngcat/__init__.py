"""nngkit's nngcat: a command-line tool for the Scalability Protocols.

A drop-in for NNG's ``nngcat`` (same flags, parsing, output bytes and exit
codes), built only on the public ``nngkit`` API.  ``app.run(argv, stdin,
stdout, stderr)`` does all the work; ``args`` holds the option table and the
validation, ``usage`` the help text, ``fmt`` the output formats,
``endpoints`` the socket set-up, ``loops`` the four modes and ``stats`` the
``--stats`` summary.  nngkit's additions (``--stats``, ``--format
json``, ``--receive-timeout``) live behind their own flags.
"""
