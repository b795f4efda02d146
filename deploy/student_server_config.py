# Each student's Jupyter server on the hub (jupyterhub-singleuser --config=this file).
#
# - the suite's voila.json, applied here in full: the Voilà server extension alone reads only its
#   VoilaConfiguration part (and from the student's home), losing executor timeouts, kernel culling
#   and the IPC transport;
# - no code: the kernels accept from a browser only what standalone Voilà accepts (widget and
#   kernel-info messages); an execute_request is dropped;
# - lean: only the hub, Voilà and triage.serve (landing data, progress) extensions; no JupyterLab, no
#   terminals; the server's own file routes (contents API, /files, /view, /nbconvert) refuse everyone,
#   so stripped sources stay hidden; the page template cannot be swapped by a URL parameter;
# - offline: MathJax's public CDN cleared (the server extension sets it; standalone Voilà does not);
# - warm kernels: the apps in $TRIAGE_HUB_PREHEAT keep one kernel that has already run the notebook.
#
# TRIAGE_STUDENT_CODE=1 (set by the hub for the users it lets run code, see docs/admin/jupyterhub.md):
# JupyterLab and kernels that run code, in the student's home, where the hub put a copy of the apps.
# ruff: noqa: F821  (`get_config` is provided by the Jupyter server when it loads this file)

import json
import os
from pathlib import Path

c = get_config()
# the project folder (voila.json, notebooks/); the Zero to JupyterHub image sets TRIAGE_ROOT=/srv/triage
ROOT = Path(os.environ.get("TRIAGE_ROOT") or Path(__file__).resolve().parents[1])
CODE = os.environ.get("TRIAGE_STUDENT_CODE") == "1"

# a course folder of one's own ($TRIAGE_COURSE_DIR, passed on by the hub) may bring its own voila.json
COURSE = Path(os.environ.get("TRIAGE_COURSE_DIR") or ROOT)
VOILA_JSON = COURSE / "voila.json" if (COURSE / "voila.json").is_file() else ROOT / "voila.json"
for section, values in json.loads(VOILA_JSON.read_text(encoding="utf-8")).items():
    for key, value in values.items():
        c[section][key] = value

c.ServerApp.jpserver_extensions = {
    "voila.server_extension": True,
    "triage.serve": True,  # the landing page's data and progress endpoint; identity = the hub user
    "jupyterlab": CODE,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "notebook_shim": False,
}
c.ServerApp.terminals_enabled = False
c.ServerApp.tornado_settings = {"mathjax_url": None, "mathjax_config": None}
if not CODE:
    c.ServerApp.authorizer_class = "triage.hubservice.student_server.LessonAuthorizer"
    from triage.hubservice.student_server import VOILA_MESSAGES

    c.MappingKernelManager.allowed_message_types = list(VOILA_MESSAGES)
    c.VoilaConfiguration.allow_template_override = "NO"

preheat = [name for name in os.environ.get("TRIAGE_HUB_PREHEAT", "").split(",") if name.strip()]
if preheat:
    c.ServerApp.kernel_manager_class = "triage.hubservice.student_server.PreheatedKernelManager"
    c.PreheatedKernelManager.preheat = preheat
    c.PreheatedKernelManager.fill_delay = float(os.environ.get("TRIAGE_HUB_FILL_DELAY", "120"))
