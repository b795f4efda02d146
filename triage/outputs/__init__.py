"""What the suite produces besides the apps: the CLI's text report, the pathway diagram (SVG), the quiz export
and the printable handouts."""
