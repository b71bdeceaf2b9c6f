"""``python -m grutui``."""

import sys

from grutui.cli import main

sys.exit(main())
