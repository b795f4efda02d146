"""The page context: resolved once, links keep the student's name."""

from triage.identity import Learner
from triage.store.memory import MemoryStore
from triage.ui import context as ctx


def test_lab_context_uses_the_os_user_and_plain_notebook_links(monkeypatch):
    for var in ("JUPYTERHUB_USER", "VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "SCRIPT_NAME"):
        monkeypatch.delenv(var, raising=False)
    ctx.use_context(None)
    c = ctx.current_context()
    assert c.mode == "lab" and c.learner.source == "os"
    assert c.app_link("03_red_flags.ipynb") == "03_red_flags.ipynb"
    assert ctx.current_context() is c
    ctx.use_context(None)


def test_voila_links_carry_the_name_and_class():
    c = ctx.AppContext(Learner("name:a b", "A B", "name"), MemoryStore(), "voila", (),
                       {"student": "A B", "class": "bio-7", "key": "secret"})
    assert c.app_link("05_case_studies.ipynb") == "05_case_studies.ipynb?student=A+B&class=bio-7"
    assert "key" not in c.home_link()
