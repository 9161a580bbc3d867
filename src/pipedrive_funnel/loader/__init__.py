"""pipedrive-load: a large export into the raw tables with PostgreSQL's COPY, all or nothing.

`header` checks a file's header, `values` writes the SQL that checks and casts each value,
`file` loads one file into a table of its own, `export` loads the six files side by side and swaps
them in at once, `cli` is the command.
"""
