"""One module per kind of event the bot answers."""
