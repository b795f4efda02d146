"""The course's content: case studies, the course plan, the glossary and the red-flag drill's scenarios.

Above the domain (it checks every case against the engine), below the apps, outputs and command line.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
