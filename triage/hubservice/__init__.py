"""The suite on JupyterHub: accounts and login, student servers, and the class store as a hub service.

- :mod:`.accounts`: the class list (per-student password hashes, roles, numeric user ids) and its CLI.
- :mod:`.auth`: a JupyterHub authenticator over that list (no shared password).
- :mod:`.spawner`: each student's server as their own numeric user, with a private home.
- :mod:`.student_server`: the lean student server (Voilà only, sources refused) and preheated kernels.
- :mod:`.service`: the class store behind the hub's authentication (``/services/triage-store/``).
- :mod:`.prestart`: start every student's server before class.

Run ``python -m triage.hubservice --help`` for the commands.
"""
