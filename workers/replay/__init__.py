"""`codellama-bot replay TRAJECTORY`: run a recorded job's repair loop again and say what differs."""
