"""Widget apps for the notebooks. Each is a class with ``.widget`` (and displays itself).

=====================  ===================  ==========================================
app                    notebook             key CSS classes (for browser tests)
=====================  ===================  ==========================================
``HipBackMap``         01_hip_and_back      triage-site-picker, triage-body-map
``PathwayApp``         02_who_to_see        triage-example-picker, triage-show-route, triage-pathway
``ProviderComparison`` 02_who_to_see        triage-pair, triage-comparison-table
``RuleTable``          02_who_to_see        triage-rule-table
``RedFlagDrill``       03_red_flags         triage-answer-<urgency>, triage-feedback, triage-score, triage-retry
``Explorer``           04_triage_explorer   triage-symptom-<id>, triage-verdict, triage-problem
``CasePlayer``         05_case_studies      triage-case-picker, triage-reveal, triage-check, triage-feedback
``Presenter``          06_instructor        triage-next-stage, triage-show-answers, triage-poll-toggle
``ClassView``          07_class_view        triage-class-summary, triage-csv-link, triage-new-session
``ClassPanel``         (every student app)  triage-poll-panel, triage-poll-send
``Glossary``           (any)                triage-glossary
=====================  ===================  ==========================================

Every app sits in the shared frame (:mod:`triage.ui.frame`, class ``triage-app``): the
educational-use notice (``triage-notice``) once per page, "answering as" (``triage-who``), the
class-panel slot (the open live poll on every student app), "next" and "home" links and the glossary.
Their look is defined once, in ``triage/ui/static/triage.css``. The instructor apps (``Presenter``,
``ClassView``) open only for the instructor (:mod:`triage.ui.instructor.gate`).
"""

from .frame import AppFrame, app_frame, set_class_panel_provider
from .glossary import Glossary
from .instructor.class_view import ClassView
from .instructor.presenter import Presenter
from .poll import ClassPanel, class_panel_for
from .student.case_player import CasePlayer
from .student.drill import RedFlagDrill
from .student.explorer import Explorer
from .student.hip_back import HipBackMap
from .student.pathway import PathwayApp
from .student.providers import ProviderComparison, RuleTable

# Every student app shows the class's open live poll in its frame (instructor apps and the static build do not).
set_class_panel_provider(class_panel_for)

__all__ = ["AppFrame", "CasePlayer", "ClassPanel", "ClassView", "Explorer", "Glossary", "HipBackMap", "PathwayApp",
           "Presenter", "ProviderComparison", "RedFlagDrill", "RuleTable", "app_frame"]
