"""The static, offline site (``make static``): the student apps as voici pages and the notebooks in a
JupyterLite lab, with Python running in the browser. A build tool: nothing here is shipped to students."""
