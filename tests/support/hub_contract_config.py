# Hub config for tests/integration/test_hub.py: the project's deploy/jupyterhub_config.py, plus a second
# class-store service that the tests serve themselves (a fresh store per store-contract check), so that
# the store contract runs through the hub's real authentication. Every user may call it.
# ruff: noqa: F821  (`get_config` and `load_subconfig` are provided by JupyterHub)
import os
from pathlib import Path

c = get_config()
load_subconfig(str(Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub_config.py"))

NAME = "triage-contract"
c.JupyterHub.services.append({
    "name": NAME,
    "url": f"http://127.0.0.1:{os.environ['TRIAGE_CONTRACT_PORT']}",
    "api_token": os.environ["TRIAGE_CONTRACT_TOKEN"],
})
for role in c.JupyterHub.load_roles:
    if role["name"] in ("user", "triage-instructor"):
        role["scopes"].append(f"access:services!service={NAME}")

# The JupyterLab option for two people (docs/admin/jupyterhub.md, "Students who run code"): what code in a
# student's kernel can reach is tested through zed's kernels; everyone else's kernels refuse code.
c.ClassSpawner.code_users = ["zed", "teacher"]

# The class list is re-read at least every auth_refresh_age seconds of use (the project's config: 30 s); the
# role-change test waits for that, so the test hub looks every 5 s (the mechanism is the same).
c.Authenticator.auth_refresh_age = 5
