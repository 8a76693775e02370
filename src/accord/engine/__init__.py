"""Accord's functional core: every time, clock, uptime and credit figure is decided here.

Pure Python and NumPy: no Django, no I/O. Instants are whole epoch seconds (int or int64 arrays);
the public functions also take aware datetimes where a person would pass one.
"""
