"""`codellama-bot fix PATH`: the repair on a local checkout, and the command line's argument checks."""
