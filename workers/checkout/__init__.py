"""A checkout and what is known about it: clone, worktrees, the repository's config, test plan, set-up."""
