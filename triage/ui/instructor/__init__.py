"""The apps only the instructor opens: the presenter (with its keyboard listener), the class view, and the
key gate in front of both."""
