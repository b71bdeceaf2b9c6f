"""The Textual workstation. It only reads Params, analysis results and audio status."""
