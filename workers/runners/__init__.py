"""Running the repository's own commands: bounded in time and output, unsandboxed or in bubblewrap."""
