"""`codellama-bot bench`: the whole repair loop, sandbox included, on QuixBugs and HumanEvalFix tasks."""
