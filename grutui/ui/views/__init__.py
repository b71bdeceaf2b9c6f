"""The workstation's views: widgets that paint what the analysis thread draws (``deck.py``
owns them, ``worker.py`` is the thread, ``canvas.py`` the braille plots)."""
