"""The subcommands: each module ``register``s its argparse parser(s) and handler.

``grutui.cli.COMMAND_MODULES`` lists them; a new command is a module with a
``register(subparsers)`` function and one line there. Handlers import their heavy parts (numba,
PortAudio) when they run, so ``grutui presets list`` does not wait for them.
"""
