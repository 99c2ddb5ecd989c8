"""The repair loop and its parts: reproduce, prompt, judge candidates by the tests, revise within a budget."""
